// onemap messages in Chinese: every error and topology problem the service answers names its
// situation with a stable `kind` (and a coarser `code`) plus `params`; this turns them into the
// sentences a mapping office reads. Used by the boundary editor and the one-map page.
// The kinds are listed in the README ("Error codes"); a test checks both lists agree.
(function () {
  "use strict";

  // Coarse classes: the fallback when a kind has no sentence of its own.
  const CODES = {
    invalid_input: "输入有误{field_part}",
    invalid_geometry: "图形无效{field_part}",
    topology_error: "拓扑检查未通过",
    rejected_records: "有记录被拒绝, 未保存任何数据",
    not_found: "未找到{field_part}",
    conflict: "与现有数据冲突{field_part}",
    version_mismatch: "区域已被他人修改, 请重新载入后再编辑",
    precondition_required: "缺少所编辑的版本号{field_part}",
    unauthenticated: "需要有效的访问密钥",
    forbidden: "当前密钥无权执行此操作",
    rate_limited: "请求过于频繁, 请稍后重试",
    payload_too_large: "提交的数据过大",
    store_unavailable: "服务暂不可用, 请稍后重试",
    internal_error: "服务内部错误, 已记录, 请联系管理员",
    method_not_allowed: "不支持此操作",
    http_error: "请求失败",
  };

  // Exact situations (error kinds and problem kinds).
  const KINDS = {
    // access
    key_missing: "请先输入访问密钥",
    key_unknown: "密钥无效或已被吊销",
    role_too_low: "当前密钥的角色是{role_zh}, 此操作需要{needed_zh}或更高权限",
    outside_scope: "区域 {code} 不在此密钥的管辖范围 {scope} 内",
    body_too_large: "提交的数据超过 {max_bytes} 字节",
    // codes and levels
    area_not_found: "没有编码为 {code} 的现行区域",
    level_unknown: "未知的层级 {value}",
    level_mismatch: "层级 {level} 与编码的层级 ({code_level_zh}) 不符",
    code_not_digits: "区域编码须为数字, 收到 {value}",
    code_length: "编码 {code} 有 {digits} 位; 区域编码应为 6/9/12/15/18 位",
    code_level_mismatch: "编码 {code} 与层级{level_zh}不符 ({level_zh}编码为 {digits} 位)",
    code_parent_mismatch: "编码 {code} 不以上级编码 {parent} 开头",
    code_immutable: "不能修改区域 {code} 的编码; 请用拆分或新建",
    code_taken_concurrently: "另一位编辑刚刚使用了同一编码, 请重新载入后再试",
    codes_exhausted: "{parent} 下已没有可用的{level_zh}编码",
    parent_missing: "{level_zh}需要指定上级区域",
    no_child_level: "{parent} 是微网格, 没有下级区域",
    // geometry
    geometry_missing: "缺少图形",
    geometry_malformed: "不是有效的 GeoJSON 图形",
    geometry_empty: "图形为空",
    geometry_not_finite: "图形坐标含有无效数值 (NaN 或无穷大)",
    geometry_type: "图形须为面 (Polygon 或 MultiPolygon), 收到 {type}",
    geometry_outside_china: "图形坐标不在中国境内 (应为 CGCS2000 经纬度, 经度在前)",
    geometry_invalid: "{code_part}图形无效: {reason_zh}{where}",
    // edits
    split_needs_line: "拆分需要一条线",
    split_line_misses: "拆分线没有完整穿过区域 {code}, 请画一条从区域外穿到区域外的线",
    merge_needs_two: "合并至少需要两个区域",
    not_siblings: "只有同一上级下的同级区域才能合并或移动共同边界: {codes_list}",
    boundary_empties_area: "新边界会使区域 {code} 变为空",
    edit_areas_differ: "保存将涉及与确认时不同的区域{unexpected_part}{missing_part}, 请重新预览",
    version_stale: "区域 {code} 已被他人修改 (您编辑的是版本 {sent}, 当前为版本 {current}), 请重新载入",
    versions_missing: "缺少以下区域的版本号: {missing_list}",
    version_missing: "缺少所拆分区域 {code} 的版本号",
    if_match_missing: "缺少所编辑的版本号 (If-Match)",
    if_match_malformed: "版本号格式有误 (If-Match 应为 \"12\" 这样的 ETag)",
    reason_missing: "请填写编辑原因",
    effective_time_too_early: "生效时间须晚于区域 {code} 当前版本的生效时间 {valid_from}",
    changeset_without_areas: "变更集 {id} 没有修改任何区域",
    revert_after_later_edit: "区域 {code} 在变更集 {id} 之后又被修改 (当前版本 {current}), 请先撤销后来的变更",
    team_invalid: "责任团队须包含名称",
    invalid_value: "{field_zh}{value_problem}",
    // topology problems (also the kind of a refused edit)
    invalid_record: "区域 {code}: {record_problem}",
    invalid_geometry: "区域 {code} 的图形无效: {reason_zh}{where}; 可应用建议的修复",
    repair_suggestion: "建议的修复 (make_valid) 已用绿色虚线画出, 未自动应用",
    outside_parent: "区域 {code} 超出上级 {parent} {area_m2} 平方米",
    overlap: "区域 {code} 与 {other} 重叠 {area_m2} 平方米",
    gap: "上级 {parent} 有 {area_m2} 平方米不属于任何下级区域",
    child_outside: "下级区域 {code} 将超出编辑后的上级 {parent} {area_m2} 平方米; 可勾选「下级区域随边界移动」",
    child_crosses: "下级区域 {code} 跨越新边界, 请先拆分它",
    child_emptied: "下级区域 {code} 将完全落在编辑后的上级 {parent} 之外; 请先将其合并或移走",
    has_children: "区域 {code} 还有 {count} 个下级区域, 请先处理它们",
  };

  // GEOS's reasons for an invalid polygon, by the token the service sends.
  const GEOMETRY_REASONS = {
    self_intersection: "边界自相交",
    ring_self_intersection: "边界环自相交",
    too_few_points: "点数过少",
    too_few_points_in_geometry_component: "点数过少",
    hole_lies_outside_shell: "内环在外环之外",
    nested_holes: "内环相互嵌套",
    interior_is_disconnected: "内部不连通",
    nested_shells: "外环相互嵌套",
    duplicate_rings: "环重复",
    invalid_coordinate: "坐标无效",
    ring_is_not_closed: "环未闭合",
  };

  // Problems of one record (kind invalid_record, params.reason).
  const RECORD_PROBLEMS = {
    name_missing: "名称不能为空",
    name_too_long: "名称过长",
    grid_kind_invalid: "网格类型须为 基础网格 或 专属网格",
    kind_too_long: "类型过长",
    code_repeated: "编码重复",
    area_exists: "该编码的区域已存在",
    parent_not_found: "上级区域不存在",
    parent_not_one_level_up: "上级区域不是上一层级",
    area_not_found: "没有可替换的现行区域",
    parent_immutable: "层级和上级不能就地修改",
  };

  // pydantic's error types for a request field (kind invalid_value, params.type).
  const VALUE_PROBLEMS = {
    missing: "缺失",
    string_too_long: "过长 (最多 {max_length} 个字符)",
    string_too_short: "过短 (至少 {min_length} 个字符)",
    too_long: "项数过多 (最多 {max_length} 项)",
    too_short: "项数过少 (至少 {min_length} 项)",
    greater_than_equal: "应不小于 {ge}",
    less_than_equal: "应不大于 {le}",
    greater_than: "应大于 {gt}",
    less_than: "应小于 {lt}",
    int_parsing: "应为整数",
    int_type: "应为整数",
    float_parsing: "应为数字",
    bool_parsing: "应为 true 或 false",
    bool_type: "应为 true 或 false",
    string_type: "应为文字",
    dict_type: "应为对象",
    list_type: "应为列表",
    model_type: "应为对象",
    literal_error: "取值无效 (可选: {expected})",
    json_invalid: "不是有效的 JSON",
    datetime_parsing: "不是有效的时间",
    datetime_from_date_parsing: "不是有效的时间",
  };

  const FIELDS = {
    body: "请求内容",
    geometry: "图形",
    "feature.geometry": "图形",
    line: "拆分线",
    reason: "编辑原因",
    codes: "区域编码",
    code: "区域编码",
    "feature.properties.code": "编码",
    "feature.properties.name": "名称",
    "feature.properties.kind": "网格类型",
    "feature.properties.parent_code": "上级区域",
    "feature.properties.level": "层级",
    "feature.properties.team": "责任团队",
    parent_code: "上级区域",
    name: "名称",
    kind: "类型",
    versions: "版本",
    version: "版本",
    "If-Match": "版本 (If-Match)",
    "X-API-Key": "访问密钥",
    effective_at: "生效时间",
    adjust_neighbours: "自动裁剪相邻区域",
    follow_children: "下级区域随边界移动",
    exact_areas: "确认的区域",
  };

  const LEVELS = { district: "区县", street: "街道(乡镇)", community: "社区(村)", grid: "网格", micro_grid: "微网格" };
  const ROLES = { viewer: "查看者", dispatcher: "调度员", editor: "编辑员", admin: "管理员" };

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, name) {
      const value = values[name];
      return value === undefined || value === null ? "" : String(value);
    });
  }

  function fieldName(field) {
    if (!field) { return ""; }
    if (FIELDS[field]) { return FIELDS[field]; }
    const last = String(field).split(".").pop();
    return FIELDS[last] || String(field);
  }

  // The params, plus the derived values the templates use (Chinese names, optional parts).
  function enrich(params) {
    const p = Object.assign({}, params || {});
    p.field_zh = fieldName(p.field);
    p.field_part = p.field ? " (" + p.field_zh + ")" : "";
    p.level_zh = LEVELS[p.level] || p.level || "";
    p.code_level_zh = LEVELS[p.code_level] || p.code_level || "";
    p.role_zh = ROLES[p.role] || p.role || "";
    p.needed_zh = ROLES[p.needed] || p.needed || "";
    p.reason_zh = GEOMETRY_REASONS[p.reason] || "形状不合法";
    p.record_problem = RECORD_PROBLEMS[p.reason] || (KINDS[p.reason] ? fill(KINDS[p.reason], p) : "记录有误");
    p.where = p.lon !== undefined && p.lat !== undefined
      ? " (位置 " + Number(p.lon).toFixed(6) + ", " + Number(p.lat).toFixed(6) + ")" : "";
    p.code_part = p.code ? "区域 " + p.code + " 的" : "";
    p.codes_list = (p.codes || []).join(", ");
    p.missing_list = (p.missing || []).join(", ");
    p.unexpected_part = p.unexpected && p.unexpected.length ? ", 多出 " + p.unexpected.join(", ") : "";
    p.missing_part = p.missing && p.missing.length && p.unexpected !== undefined ? ", 缺少 " + p.missing.join(", ") : "";
    const valueTemplate = VALUE_PROBLEMS[p.type];
    p.value_problem = valueTemplate ? fill(valueTemplate, p) : "有误";
    return p;
  }

  // A Chinese sentence for a kind (or code) and its params; null when there is none.
  function sentence(kind, code, params) {
    const values = enrich(params);
    if (kind && KINDS[kind]) { return fill(KINDS[kind], values); }
    if (code && CODES[code]) { return fill(CODES[code], values); }
    return null;
  }

  // The sentence for an error answer {status, data} (or a bare {error: {...}} body).
  function errorText(answer) {
    const body = answer && (answer.data !== undefined ? answer.data : answer.body !== undefined ? answer.body : answer);
    const error = body && body.error;
    const status = answer && answer.status;
    if (status === 0) { return "服务无法连接, 请检查网络"; }
    if (!error) { return "请求失败 (HTTP " + status + ")"; }
    return sentence(error.kind, error.code, error.params) || "请求失败 (" + error.code + ")";
  }

  // The sentence for a problem feature of a preview or a refused edit.
  function problemText(feature) {
    const p = (feature && feature.properties) || {};
    const params = Object.assign({ code: (p.codes || [])[0], area_m2: p.area_m2 }, p.params || {});
    return sentence(p.kind, null, params) || p.message || p.kind;
  }

  window.onemapMessages = {
    errorText: errorText,
    problemText: problemText,
    sentence: sentence,
    fieldName: fieldName,
    level: function (level) { return LEVELS[level] || level; },
    role: function (role) { return ROLES[role] || role; },
    kinds: function () { return Object.keys(KINDS); },
  };
})();
