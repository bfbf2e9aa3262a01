"""Settings of report intake, SLA and statistics, read from ``ONEMAP_REPORTS_*`` variables."""

from __future__ import annotations

from functools import cached_property
from typing import Literal, Self

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from geo.reports import DEFAULT_SOURCES, ReportPolicy

__all__ = ["Open311Attribute", "Open311Service", "ReportSettings"]


class Open311AttributeValue(BaseModel):
    key: str = Field(min_length=1, max_length=100)
    name: str


class Open311Attribute(BaseModel):
    """A question a service asks (GeoReport v2 service definition); answers join the text."""

    code: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_\-]+$")
    description: str
    datatype: Literal["string", "number", "datetime", "text", "singlevaluelist",
                      "multivaluelist"] = "string"  # fmt: skip
    required: bool = False
    datatype_description: str = ""
    order: int = Field(default=1, ge=1)
    values: list[Open311AttributeValue] = Field(default_factory=list)


URGENCY = Open311Attribute(
    code="urgency", description="紧急程度", datatype="singlevaluelist",
    values=[Open311AttributeValue(key="normal", name="一般"),
            Open311AttributeValue(key="urgent", name="紧急")],
)  # fmt: skip


class Open311Service(BaseModel):
    """One Open311 service: a report category as GeoReport v2 clients see it."""

    service_code: str = Field(min_length=1, max_length=100)
    service_name: str
    description: str = ""
    group: str = ""
    keywords: str = ""
    attributes: list[Open311Attribute] = Field(default_factory=lambda: [URGENCY])


DEFAULT_SERVICES = [
    Open311Service(service_code="environment", service_name="环境卫生", group="市容环境",
                   description="垃圾堆放、道路不洁、污水外溢", keywords="垃圾,卫生,污水"),
    Open311Service(service_code="city_appearance", service_name="市容秩序", group="市容环境",
                   description="占道经营、乱设广告、乱堆物料", keywords="占道,广告"),
    Open311Service(service_code="facilities", service_name="公共设施", group="基础设施",
                   description="路灯、井盖、道路、护栏损坏", keywords="路灯,井盖,道路"),
    Open311Service(service_code="traffic", service_name="交通停车", group="基础设施",
                   description="违章停车、交通设施损坏", keywords="停车,红绿灯"),
    Open311Service(service_code="noise", service_name="噪声扰民", group="社会治理",
                   description="施工、经营、生活噪声", keywords="噪声,扰民"),
    Open311Service(service_code="safety", service_name="安全隐患", group="社会治理",
                   description="消防通道堵塞、危房、电动车违规充电", keywords="消防,隐患"),
    Open311Service(service_code="dispute", service_name="矛盾纠纷", group="社会治理",
                   description="邻里纠纷、物业纠纷", keywords="纠纷,调解"),
    Open311Service(service_code="other", service_name="其他", group="其他"),
]  # fmt: skip


class ReportSettings(BaseSettings):
    """Who may send reports, how they are placed, their SLA, and how statistics stay fresh."""

    model_config = SettingsConfigDict(env_prefix="ONEMAP_REPORTS_", env_file=".env", extra="ignore")

    sources: list[str] = Field(
        default=list(DEFAULT_SOURCES), min_length=1,
        description="accepted values of a report's source (JSON list in the environment)",
    )  # fmt: skip
    review_hours: float = Field(default=6.0, gt=0, le=24 * 30, description="review deadline")
    response_hours: float = Field(default=15.0, gt=0, le=24 * 90, description="response deadline")
    cross_check_m: float = Field(
        default=200.0, ge=1, le=50_000, description="point and address farther apart: flagged"
    )
    boundary_m: float = Field(
        default=20.0, ge=0, le=1_000, description="a point this close to another grid: flagged"
    )
    near_boundary_action: Literal["flag", "queue"] = Field(
        default="flag",
        description="near a grid edge: assign and flag for the reviewer, or send to the queue",
    )
    max_batch: int = Field(default=10_000, ge=1, le=100_000, description="reports per batch")
    stats_poll_interval_s: float = Field(
        default=5.0, ge=0.05, le=600, description="seconds between statistics refreshes"
    )
    stats_overlap_s: float = Field(
        default=10.0, ge=0, le=3600, description="re-read window for late-committing writes"
    )
    stats_full_reload_s: float = Field(default=900.0, ge=10, le=86_400)
    stats_wait_s: float = Field(
        default=60.0, ge=0, le=600, description="how long the first statistics call waits"
    )
    open311_services: list[Open311Service] = Field(default_factory=lambda: list(DEFAULT_SERVICES))

    @model_validator(mode="after")
    def _response_after_review(self) -> Self:
        if self.response_hours < self.review_hours:
            raise ValueError("response_hours must not be shorter than review_hours")
        if "open311" not in self.sources:
            self.sources = [*self.sources, "open311"]  # the Open311 endpoint's own source
        return self

    @cached_property
    def policy(self) -> ReportPolicy:
        """The rules as the domain takes them; built once (every intake asks, three times)."""
        return ReportPolicy(
            sources=tuple(self.sources), review_hours=self.review_hours,
            response_hours=self.response_hours, cross_check_m=self.cross_check_m,
            boundary_m=self.boundary_m, near_boundary_action=self.near_boundary_action,
            max_batch=self.max_batch,
        )  # fmt: skip
