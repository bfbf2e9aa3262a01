"""Request and response models of the address, geocode and reverse endpoints.

Address text fields share one validated type: a JSON string (numbers, lists and null are
refused, not coerced), not blank, at most 200 characters. FastAPI turns a violation into a
422 whose ``details.field`` names the field.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictStr

from address_normalizer import AddressInputError, check_typed_text

__all__ = [
    "AddressItem",
    "AddressList",
    "AddressText",
    "AreaChain",
    "CompareRequest",
    "CompareResponse",
    "GeocodeRequest",
    "GeocodeResponse",
    "ImportResponse",
    "MatchModel",
    "NewAddress",
    "NewAddressResponse",
    "ParseRequest",
    "ParseResponse",
    "ReverseResponse",
]


def _address_text(value: str) -> str:
    try:
        return check_typed_text(value)
    except AddressInputError as exc:  # the message names the field itself; keep the reason
        raise ValueError(exc.message.removeprefix("address ")) from None


AddressText = Annotated[StrictStr, AfterValidator(_address_text)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ParseRequest(_Body):
    address: AddressText = Field(examples=["浙江省嘉兴市南湖区中山东路１２号三号楼二单元一零二室"])


class ComponentModel(BaseModel):
    label: str = Field(description="CCKS 2021 element type: prov, city, district, road …")
    text: str = Field(description="the characters as given")
    start: int = Field(description="start offset in the text as given")
    end: int = Field(description="end offset (exclusive)")


class ParseResponse(BaseModel):
    normalized: str = Field(description="canonical form: half-width, digits, 幢/室/层")
    components: list[ComponentModel]


class CompareRequest(_Body):
    a: AddressText
    b: AddressText


class CompareResponse(BaseModel):
    relation: Literal["exact", "partial", "none"] = Field(
        description="exact: the same place (both end at the same named place; a unit, floor "
        "or room inside the same building counts); partial: the same compound, road or "
        "building with a different or unnamed building or door, a gate of the place, a shop "
        "inside it, or a place across the street from it; none: unrelated, or in another "
        "city, district or township"
    )
    score: float = Field(ge=0, le=1)
    kind: Literal["same", "inside", "same_compound", "same_road", "nearby", ""] = Field(
        description="same (exact); for partial: inside (a shop, room, floor or unit in the "
        "other's building or door), same_compound (another or no building of the compound), "
        "same_road (another or no door on the road), nearby (beside it, a gate of it); "
        "empty for none"
    )


MatchLevel = Literal[
    "room", "floor", "unit", "building", "poi", "road_number", "road", "community", "street",
    "district", "none",
]  # fmt: skip


class AreaLabelModel(BaseModel):
    code: str
    name: str
    kind: str | None = Field(description="basic or dedicated for grids and micro-grids")


class AreaChain(BaseModel):
    """The covering area at each level, as ``/v1/locate`` gives it; null where none."""

    district: AreaLabelModel | None = None
    street: AreaLabelModel | None = None
    community: AreaLabelModel | None = None
    grid: AreaLabelModel | None = None
    micro_grid: AreaLabelModel | None = None


class MatchModel(BaseModel):
    id: int = Field(description="address id, for GET /v1/addresses/{id}")
    code: str
    full_text: str
    lon: float = Field(description="CGCS2000 longitude")
    lat: float = Field(description="CGCS2000 latitude")
    confidence: float = Field(ge=0, le=1, description="calibrated P(this is the address meant)")
    score: float = Field(ge=0, le=1, description="raw text similarity")
    areas: AreaChain
    distance_m: float | None = Field(default=None, description="reverse only: metres away")
    level: MatchLevel = Field(
        default="none",
        description="deepest level the text and this address agree on: room, floor, unit, "
        "building, poi (the compound), road_number, road, community, street, district, none",
    )
    contradicts: list[str] = Field(
        default_factory=list,
        description="levels where the text states something this address states differently",
    )


class Point(BaseModel):
    lon: float
    lat: float


class GeocodeRequest(_Body):
    address: AddressText = Field(examples=["南湖区长水路197号金色花园三栋2单元1602"])
    limit: int = Field(default=5, ge=1, le=20, description="candidates to return at most")


class GeocodeResponse(BaseModel):
    resolved: bool = Field(
        description="true when the grid of the answer is trusted (grid_confidence >= "
        "threshold); false: no answer, pick from candidates"
    )
    normalized: str
    confidence: float | None = Field(description="calibrated P(address is the one meant)")
    grid_confidence: float = Field(ge=0, le=1, description="calibrated P(grid is right)")
    threshold: float
    address: MatchModel | None
    point: Point | None = Field(description="CGCS2000 point of the address")
    areas: AreaChain | None
    candidates: list[MatchModel] = Field(description="next candidates (all, when unresolved)")
    version: int
    match_level: MatchLevel = Field(
        description="the level the answer is resolved at (room … district; none when "
        "unresolved); above the address (poi: the compound) `address.full_text` names that "
        "level only, and the grid is the one the whole compound lies in"
    )


class ReverseResponse(BaseModel):
    address: MatchModel | None = Field(description="nearest standard address, with distance")
    areas: AreaChain = Field(description="areas covering the point itself")
    covered: bool
    version: int


class AddressItem(BaseModel):
    id: int
    code: str
    full_text: str
    components: dict[str, str]
    aliases: list[str]
    lon: float
    lat: float
    status: str
    areas: AreaChain


class AddressList(BaseModel):
    items: list[AddressItem]
    total: int
    limit: int
    offset: int


class NewAddress(_Body):
    full_text: AddressText
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    crs: str = Field(default="wgs84", description="wgs84, cgcs2000, gcj02 or bd09")
    code: str | None = Field(default=None, min_length=1, max_length=40,
                             description="structured code; generated from the micro-grid if "
                             "omitted")  # fmt: skip
    components: dict[str, str] | None = Field(
        default=None, description="element tag → text; parsed from full_text if omitted"
    )
    aliases: list[AddressText] = Field(default_factory=list, max_length=20)
    reason: str = Field(default="address added", min_length=1, max_length=2000)


class ExistingAddress(BaseModel):
    id: int
    code: str
    full_text: str


class Duplicate(BaseModel):
    index: int = Field(description="row of the upload (0 for a single address)")
    full_text: str
    existing: ExistingAddress
    score: float


class NewAddressResponse(BaseModel):
    address: AddressItem
    changeset: int
    duplicates: list[Duplicate] = Field(description="possible duplicates; stored anyway")


class ImportResponse(BaseModel):
    imported: int
    changeset: int | None = Field(description="null for a dry run")
    dry_run: bool
    duplicates: list[Duplicate]


def chain_model(chain: dict[str, Any]) -> dict[str, Any]:
    """A geocoder chain (labels or None) as JSON-ready dicts."""
    return {
        level: (None if label is None else {"code": label.code, "name": label.name,
                                            "kind": label.kind})
        for level, label in chain.items()
    }  # fmt: skip
