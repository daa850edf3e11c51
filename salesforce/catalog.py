"""The object catalog: describeGlobal turned into entries with job-settings categories.

Categories (at most one per object, first match wins, in this order):

- ``big_object``       name ends with ``__b``
- ``custom_metadata``  name ends with ``__mdt``
- ``binary``           an object with a base64 field. describeGlobal does not list
                       fields, and describing every object of a real org costs hundreds
                       of API calls, so at connect time the standard objects known to
                       carry a base64 body (``BINARY_OBJECTS``) are marked; any other
                       object is marked later, lazily, when a backup describes it anyway
                       and ``has_base64_field(describe)`` is true.
- ``tag``              name ends with ``Tag``, or ``TagDefinition``
- ``history``          name ends with ``History``
- ``feed``             name ends with ``Feed``
- ``share``            name ends with ``Share``
- ``""``               none of these (ordinary standard or custom data)
"""

from dataclasses import dataclass

BIG_OBJECT = "big_object"
CUSTOM_METADATA = "custom_metadata"
BINARY = "binary"
TAG = "tag"
HISTORY = "history"
FEED = "feed"
SHARE = "share"
NONE = ""

CATEGORY_LABELS = {
    BIG_OBJECT: "Big Objects",
    BINARY: "Binary Objects",
    TAG: "Tag",
    HISTORY: "History",
    FEED: "Feed",
    SHARE: "Share",
    CUSTOM_METADATA: "Custom Metadata Type",
    NONE: "Data objects",
}

# Standard objects whose describe has a base64 field (the field in brackets).
BINARY_OBJECTS = frozenset(
    {
        "Attachment",  # Body
        "ContentNote",  # Content
        "ContentVersion",  # VersionData
        "Document",  # Body
        "EventLogFile",  # LogFile
        "MailmergeTemplate",  # Body
        "QuoteDocument",  # Document
        "StaticResource",  # Body
    }
)


@dataclass(frozen=True)
class CatalogEntry:
    name: str
    label: str
    key_prefix: str
    queryable: bool
    replicateable: bool
    retrievable: bool
    custom: bool
    category: str


def category_for(name: str) -> str:
    if name.endswith("__b"):
        return BIG_OBJECT
    if name.endswith("__mdt"):
        return CUSTOM_METADATA
    if name in BINARY_OBJECTS:
        return BINARY
    if name.endswith("Tag") or name == "TagDefinition":
        return TAG
    if name.endswith("History"):
        return HISTORY
    if name.endswith("Feed"):
        return FEED
    if name.endswith("Share"):
        return SHARE
    return NONE


def has_base64_field(describe: dict) -> bool:
    """True when an object's describe (`sobjects/X/describe`) shows a base64 field."""
    return any(field.get("type") == "base64" for field in describe.get("fields", []))


def entries_from_describe_global(body: dict) -> list[CatalogEntry]:
    """Catalog entries from the body of `GET sobjects` (describeGlobal), sorted by name."""
    entries = [
        CatalogEntry(
            name=item["name"],
            label=item.get("label") or item["name"],
            key_prefix=item.get("keyPrefix") or "",
            queryable=bool(item.get("queryable")),
            replicateable=bool(item.get("replicateable")),
            retrievable=bool(item.get("retrieveable")),  # sic: Salesforce spells it so
            custom=bool(item.get("custom")),
            category=category_for(item["name"]),
        )
        for item in body.get("sobjects", [])
    ]
    return sorted(entries, key=lambda entry: entry.name)
