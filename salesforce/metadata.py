"""The Metadata API (SOAP) over the connector's own HTTP session.

Raw SOAP through `client.session`, so the org's CA bundle and token refresh apply (zeep,
behind `sf.mdapi`, only trusts the REQUESTS_CA_BUNDLE environment variable).

    md = MetadataClient(client, retry=RetryPolicy())
    types = md.describe()                                 # [MetadataType, ...]
    components = md.list_components(types, on_skip=log)   # [FileProperties, ...]
    for chunk in plan_chunks(components, types):          # <= MAX_RETRIEVE_FILES files each
        with md.retrieve(chunk) as result:                # retrieve + checkRetrieveStatus polling
            for props in result.file_properties:
                files = result.component_files(props, types)   # {path: bytes}
    md.deploy(zip_bytes)                                  # deploy + checkDeployStatus (tests)
    md.calls                                              # SOAP calls made (retries included)

With `quota=ApiQuota(...)` every call is checked first (salesforce/quota.py) and
`ApiQuotaReached` is raised before a call that would pass the org's quota.

listMetadata takes at most 3 queries per call; in-folder types (Report, Dashboard,
Document, EmailTemplate) are listed folder by folder after their folder type. Child
types (CustomField, ValidationRule, ...) are listed on their own; their content is their
own element of the parent's file (`<fields>` of objects/Account.object).

The retrieve result's zip is streamed: the SOAP answer is parsed with expat and the
base64 text of `zipFile` is decoded piece by piece into a spooled temporary file, whose
members are then read one at a time.
"""

import base64
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from xml.parsers import expat
from xml.sax.saxutils import escape

from salesforce.errors import SalesforceApiError, SalesforceAuthError, salesforce_errors
from salesforce.quota import ApiQuota
from salesforce.reads import RETRY_CODES, RetryPolicy, is_transient

MD_NS = "http://soap.sforce.com/2006/04/metadata"
MAX_RETRIEVE_FILES = 10_000
LIST_QUERIES_PER_CALL = 3
POLL_SECONDS = 2.0
MAX_POLL_SECONDS = 30.0
SPOOL_BYTES = 8 * 1024 * 1024
READ_BYTES = 256 * 1024

# In-folder types, their folder type, and the folders Salesforce keeps without listing them.
FOLDER_TYPES = {
    "Report": "ReportFolder",
    "Dashboard": "DashboardFolder",
    "Document": "DocumentFolder",
    "EmailTemplate": "EmailFolder",
}
FOLDER_CONTENT = {folder: content for content, folder in FOLDER_TYPES.items()}
UNFILED_FOLDERS = {"Report": ["unfiled$public"], "EmailTemplate": ["unfiled$public"]}
# Element of the parent file that holds a child component (CustomField -> <fields>).
CHILD_ELEMENTS = {
    "CustomField": "fields",
    "ValidationRule": "validationRules",
    "ListView": "listViews",
    "RecordType": "recordTypes",
    "WebLink": "webLinks",
    "CompactLayout": "compactLayouts",
    "FieldSet": "fieldSets",
    "BusinessProcess": "businessProcesses",
    "SharingReason": "sharingReasons",
    "Index": "indexes",
    "WorkflowAlert": "alerts",
    "WorkflowFieldUpdate": "fieldUpdates",
    "WorkflowRule": "rules",
    "WorkflowTask": "tasks",
    "WorkflowOutboundMessage": "outboundMessages",
    "CustomLabel": "labels",
    "SharingCriteriaRule": "sharingCriteriaRules",
    "SharingOwnerRule": "sharingOwnerRules",
    "AssignmentRule": "assignmentRule",
    "AutoResponseRule": "autoResponseRule",
    "EscalationRule": "escalationRule",
}
PROPERTY_NAMES = (
    "id",
    "fullName",
    "fileName",
    "type",
    "createdById",
    "createdByName",
    "createdDate",
    "lastModifiedById",
    "lastModifiedByName",
    "lastModifiedDate",
    "manageableState",
    "namespacePrefix",
)


# --- results --------------------------------------------------------------------------


@dataclass(frozen=True)
class MetadataType:
    xml_name: str
    directory_name: str = ""
    suffix: str = ""
    in_folder: bool = False
    meta_file: bool = False
    child_xml_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class ListQuery:
    type: str
    folder: str = ""


@dataclass(frozen=True)
class FileProperties:
    type: str
    full_name: str
    file_name: str
    properties: dict  # the PROPERTY_NAMES found in the answer, as text

    @property
    def key(self) -> tuple[str, str]:
        return (self.type, self.full_name)

    @property
    def retrieve_type(self) -> str:
        """The type to ask `retrieve` for: folders are members of their content type."""
        return FOLDER_CONTENT.get(self.type, self.type)


@dataclass
class DeployResult:
    status: str
    success: bool
    problems: list[str] = field(default_factory=list)


# --- a tiny streaming XML reader -------------------------------------------------------


class Node:
    """An XML element by local name: `text`, `children`; helpers for SOAP answers."""

    __slots__ = ("name", "parts", "children")

    def __init__(self, name: str):
        self.name = name
        self.parts: list[str] = []
        self.children: list[Node] = []

    @property
    def text(self) -> str:
        return "".join(self.parts).strip()

    def all(self, name: str) -> list["Node"]:
        return [child for child in self.children if child.name == name]

    def first(self, name: str) -> "Node | None":
        return next((child for child in self.children if child.name == name), None)

    def get(self, name: str, default: str = "") -> str:
        child = self.first(name)
        return child.text if child is not None else default

    def find(self, name: str) -> "Node | None":
        """The first descendant named `name` (depth first)."""
        for child in self.children:
            if child.name == name:
                return child
            found = child.find(name)
            if found is not None:
                return found
        return None


def _local(name: str) -> str:
    return name.rsplit(" ", 1)[-1]


class _Base64Sink:
    """Decodes base64 text that arrives in pieces into a binary file."""

    def __init__(self, target):
        self.target = target
        self.pending = ""

    def write(self, text: str) -> None:
        self.pending += "".join(text.split())
        usable = len(self.pending) - len(self.pending) % 4
        if usable:
            self.target.write(base64.b64decode(self.pending[:usable]))
            self.pending = self.pending[usable:]

    def close(self) -> None:
        if self.pending:
            self.target.write(base64.b64decode(self.pending + "=" * (-len(self.pending) % 4)))
            self.pending = ""


def parse_xml(chunks: Iterable[bytes], *, stream_element: str = "", sink=None) -> Node:
    """A Node tree from XML bytes in pieces; the text of `stream_element` goes to `sink`
    (base64-decoded) instead of the tree. Entities and DTDs are refused."""
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = False
    root = Node("#document")
    stack = [root]
    decoder = _Base64Sink(sink) if sink is not None else None
    streaming = [False]

    def start(name, _attrs):
        node = Node(_local(name))
        stack[-1].children.append(node)
        stack.append(node)
        streaming[0] = decoder is not None and node.name == stream_element

    def end(_name):
        if streaming[0]:
            decoder.close()
            streaming[0] = False
        stack.pop()

    def data(text):
        if streaming[0]:
            decoder.write(text)
        else:
            stack[-1].parts.append(text)

    def refuse(*_args):
        raise ValueError("The answer declares a DTD or entities; it was not read.")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = data
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    try:
        for chunk in chunks:
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except (expat.ExpatError, ValueError) as exc:
        raise SalesforceApiError(
            "INVALID_XML", f"Salesforce sent an unreadable answer: {exc}."
        ) from exc
    return root


def child_elements(xml: bytes) -> list[tuple[str, str, bytes]]:
    """(element name, its <fullName>, its exact bytes) for each child of the root element."""
    parser = expat.ParserCreate(namespace_separator=" ")
    depth = [0]
    found: list[list] = []

    def start(name, _attrs):
        depth[0] += 1
        if depth[0] == 2:
            found.append([_local(name), [], parser.CurrentByteIndex, None, False])
        elif depth[0] == 3 and found and _local(name) == "fullName":
            found[-1][4] = True

    def end(name):
        if depth[0] == 3 and found:
            found[-1][4] = False
        if depth[0] == 2:
            begin = found[-1][2]
            start_end = xml.index(b">", begin) + 1
            if xml[start_end - 2 : start_end] == b"/>":  # an empty element: <x/>
                found[-1][3] = start_end
            else:
                found[-1][3] = xml.index(b">", parser.CurrentByteIndex) + 1
        depth[0] -= 1

    def data(text):
        if depth[0] == 3 and found and found[-1][4]:
            found[-1][1].append(text)

    def refuse(*_args):
        raise ValueError("The file declares a DTD or entities; it was not read.")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = data
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.Parse(xml, True)
    return [
        (name, "".join(text).strip(), xml[begin:finish])
        for name, text, begin, finish, _ in found
        if finish is not None
    ]


# --- retrieve results ----------------------------------------------------------------


class RetrieveResult:
    """A finished retrieve: its fileProperties, problems, and the zip (read lazily)."""

    def __init__(self, root: Node, spool):
        self.spool = spool
        self.zip = zipfile.ZipFile(spool)
        names = self.zip.namelist()
        package = next((n for n in names if n.rsplit("/", 1)[-1] == "package.xml"), "")
        self.root_prefix = package[: -len("package.xml")]
        self.names = {
            n[len(self.root_prefix) :]
            for n in names
            if n.startswith(self.root_prefix) and not n.endswith("/")
        }
        # A component's files by its path: the file, its -meta.xml, a bundle's folder.
        self.groups: dict[str, list[str]] = {}
        for name in sorted(self.names):
            self.groups.setdefault(name.removesuffix("-meta.xml"), []).append(name)
            parts = name.split("/")
            if len(parts) > 2:
                self.groups.setdefault("/".join(parts[:2]), []).append(name)
        self.file_properties = [_file_properties(node) for node in root.all("fileProperties")]
        self.problems = [
            f"{m.get('fileName')}: {m.get('problem')}".strip(": ") for m in root.all("messages")
        ]
        self._parents: dict[str, list[tuple[str, str, bytes]] | None] = {}

    def __enter__(self) -> "RetrieveResult":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.zip.close()
        self.spool.close()

    def read(self, name: str) -> bytes:
        return self.zip.read(self.root_prefix + name)

    def component_files(self, props: FileProperties) -> dict[str, bytes]:
        """{path: content} of one component: its file, its -meta.xml, a bundle folder's
        files, or (child types) its own element of the parent file."""
        path = _strip_package(props.file_name, self.root_prefix)
        element = CHILD_ELEMENTS.get(props.type)
        if element is not None and "." in props.full_name and path in self.names:
            child_name = props.full_name.split(".", 1)[1]
            if path not in self._parents:
                try:
                    self._parents[path] = child_elements(self.read(path))
                except (expat.ExpatError, ValueError):
                    self._parents[path] = None  # unreadable XML: keep the whole file
            parent = self._parents[path]
            if parent is None:
                return {path: self.read(path)}
            for name, full_name, content in parent:
                if name == element and full_name == child_name:
                    return {f"{path}#{element}/{child_name}": content}
            return {}
        if props.type in FOLDER_CONTENT:
            wanted = f"{path}-meta.xml"
            return {wanted: self.read(wanted)} if wanted in self.names else {}
        return {name: self.read(name) for name in dict.fromkeys(self.groups.get(path, []))}


def _strip_package(file_name: str, root_prefix: str) -> str:
    if root_prefix and file_name.startswith(root_prefix):
        return file_name[len(root_prefix) :]
    return file_name.removeprefix("unpackaged/")


def _file_properties(node: Node) -> FileProperties:
    properties = {name: node.get(name) for name in PROPERTY_NAMES if node.first(name) is not None}
    return FileProperties(
        type=properties.get("type", ""),
        full_name=properties.get("fullName", ""),
        file_name=properties.get("fileName", ""),
        properties=properties,
    )


# --- the client ------------------------------------------------------------------------


class MetadataFault(SalesforceApiError):
    """A SOAP fault from the Metadata API (`error_code` is its faultcode)."""


def _envelope(token: str, body: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        f'xmlns:met="{MD_NS}"><soapenv:Header><met:SessionHeader>'
        f"<met:sessionId>{escape(token)}</met:sessionId></met:SessionHeader></soapenv:Header>"
        f"<soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"
    ).encode()


def _tag(name: str, value) -> str:
    return f"<met:{name}>{escape(str(value))}</met:{name}>"


class MetadataClient:
    def __init__(
        self,
        client,
        *,
        retry: RetryPolicy | None = None,
        poll_seconds: float = POLL_SECONDS,
        sleep: Callable[[float], None] = time.sleep,
        quota: ApiQuota | None = None,
    ):
        self.client = client
        self.retry = retry or RetryPolicy()
        self.quota = quota
        self.poll_seconds = poll_seconds
        self.sleep = sleep
        self.calls = 0

    @property
    def url(self) -> str:
        return f"{self.client.instance_url}/services/Soap/m/{self.client.api_version}"

    @property
    def api_version(self) -> str:
        return str(self.client.api_version)

    # --- transport ---------------------------------------------------------------------

    def call(self, operation: str, body: str, *, stream_element: str = "", sink=None) -> Node:
        """One SOAP operation with retries (transient faults) and one token renewal."""
        attempt = 0
        renewed = False
        while True:
            attempt += 1
            if sink is not None:
                sink.seek(0)
                sink.truncate()
            try:
                return self._post(operation, body, stream_element=stream_element, sink=sink)
            except MetadataFault as exc:
                if exc.error_code == "INVALID_SESSION_ID" and not renewed:
                    renewed = True
                    self._renew_token()
                    continue
                if exc.error_code == "INVALID_SESSION_ID":
                    raise SalesforceAuthError(str(exc), exc.error_code) from exc
                if exc.error_code not in RETRY_CODES or attempt >= self.retry.attempts:
                    raise
                self._wait(attempt, exc, operation)
            except SalesforceApiError as exc:
                if not is_transient(exc) or attempt >= self.retry.attempts:
                    raise
                self._wait(attempt, exc, operation)
            except SalesforceAuthError:
                raise
            except Exception as exc:
                if not is_transient(exc) or attempt >= self.retry.attempts:
                    raise
                self._wait(attempt, exc, operation)

    def _wait(self, attempt: int, exc: Exception, operation: str) -> None:
        delay = self.retry.delay(attempt)
        if self.retry.on_retry is not None:
            self.retry.on_retry(
                f"Metadata API {operation} failed ({exc}); retrying in {delay:g} s "
                f"(attempt {attempt + 1} of {self.retry.attempts})."
            )
        self.retry.sleep(delay)

    def _renew_token(self) -> None:
        session = self.client.session
        if getattr(session, "_on_refresh", None) is None:
            raise SalesforceAuthError(
                "The Salesforce session expired and this connection cannot renew it; "
                "reconnect the org.",
                "INVALID_SESSION_ID",
            )
        # The connector's session renews its token once per stale token (thread-safe).
        session._refresh(stale=self.client.access_token)

    def _post(self, operation: str, body: str, *, stream_element: str, sink) -> Node:
        if self.quota is not None:  # raises ApiQuotaReached before the call, never during it
            self.quota.before_request(self.client, "POST", self.url, read_limits=self.client.limits)
        self.calls += 1
        payload = _envelope(self.client.access_token, f"<met:{operation}>{body}</met:{operation}>")
        headers = {"Content-Type": "text/xml; charset=UTF-8", "SOAPAction": operation}
        with salesforce_errors():
            response = self.client.session.post(
                self.url, data=payload, headers=headers, stream=True
            )
            try:
                status = response.status_code
                if status >= 300 and status != 500:
                    text = response.content.decode(errors="replace").strip()[:300]
                    raise SalesforceApiError(f"HTTP_{status}", text, status)
                chunks = response.iter_content(READ_BYTES)
                try:
                    root = parse_xml(chunks, stream_element=stream_element, sink=sink)
                except SalesforceApiError as exc:
                    if status == 500:  # not a SOAP fault: a server error, worth a retry
                        raise SalesforceApiError("HTTP_500", exc.message, 500) from exc
                    raise
            finally:
                response.close()
        fault = root.find("Fault")
        if fault is not None:
            code = fault.get("faultcode").rsplit(":", 1)[-1]
            message = fault.get("faultstring")
            message = message.split(": ", 1)[1] if message.startswith(f"{code}: ") else message
            raise MetadataFault(code, message, 500)
        if status >= 300:
            raise SalesforceApiError(f"HTTP_{status}", "", status)
        answer = root.find(f"{operation}Response")
        if answer is None:
            raise SalesforceApiError(
                "INVALID_XML", f"Salesforce's answer to {operation} has no {operation}Response."
            )
        return answer

    # --- describe and list ---------------------------------------------------------------

    def describe(self) -> list[MetadataType]:
        answer = self.call("describeMetadata", _tag("asOfVersion", self.api_version))
        result = answer.first("result") or Node("result")
        return [
            MetadataType(
                xml_name=node.get("xmlName"),
                directory_name=node.get("directoryName"),
                suffix=node.get("suffix"),
                in_folder=node.get("inFolder") == "true",
                meta_file=node.get("metaFile") == "true",
                child_xml_names=tuple(c.text for c in node.all("childXmlNames") if c.text),
            )
            for node in result.all("metadataObjects")
            if node.get("xmlName")
        ]

    def list_metadata(self, queries: list[ListQuery]) -> list[FileProperties]:
        """One listMetadata call (at most LIST_QUERIES_PER_CALL queries)."""
        if len(queries) > LIST_QUERIES_PER_CALL:
            raise ValueError(f"listMetadata takes at most {LIST_QUERIES_PER_CALL} queries.")
        body = "".join(
            "<met:queries>"
            + (_tag("folder", q.folder) if q.folder else "")
            + _tag("type", q.type)
            + "</met:queries>"
            for q in queries
        )
        answer = self.call("listMetadata", body + _tag("asOfVersion", self.api_version))
        return [_file_properties(node) for node in answer.all("result")]

    def list_many(
        self, queries: list[ListQuery], on_skip: Callable[[ListQuery, Exception], None]
    ) -> list[FileProperties]:
        """All queries, 3 per call; a batch that fails is asked again query by query, and
        a query that fails alone is reported to `on_skip` and left out."""
        found: list[FileProperties] = []
        for start in range(0, len(queries), LIST_QUERIES_PER_CALL):
            batch = queries[start : start + LIST_QUERIES_PER_CALL]
            try:
                found.extend(self.list_metadata(batch))
                continue
            except MetadataFault as exc:
                if len(batch) == 1:
                    on_skip(batch[0], exc)
                    continue
            for query in batch:
                try:
                    found.extend(self.list_metadata([query]))
                except MetadataFault as exc:
                    on_skip(query, exc)
        return found

    def list_components(
        self,
        types: list[MetadataType],
        on_skip: Callable[[ListQuery, Exception], None],
    ) -> list[FileProperties]:
        """Every component of every type (child types and folders included), each once."""
        names: list[str] = []
        for mtype in types:
            for name in (mtype.xml_name, *mtype.child_xml_names):
                if name not in names:
                    names.append(name)
        plain = [ListQuery(n) for n in names if n not in FOLDER_TYPES]
        folder_queries = [ListQuery(FOLDER_TYPES[n]) for n in names if n in FOLDER_TYPES]
        found = self.list_many(plain + folder_queries, on_skip)
        in_folder = []
        for content_type, folder_type in FOLDER_TYPES.items():
            if content_type not in names:
                continue
            folders = [p.full_name for p in found if p.type == folder_type]
            for folder in [*folders, *UNFILED_FOLDERS.get(content_type, [])]:
                in_folder.append(ListQuery(content_type, folder))
        found.extend(self.list_many(in_folder, on_skip))
        unique: dict[tuple[str, str], FileProperties] = {}
        for props in found:
            if props.type and props.full_name:
                unique.setdefault(props.key, props)
        return sorted(unique.values(), key=lambda p: p.key)

    # --- retrieve ------------------------------------------------------------------------

    def retrieve(self, components: list[FileProperties]) -> RetrieveResult:
        """Retrieve these components (one call), poll until done, stream the zip."""
        members: dict[str, list[str]] = {}
        for props in components:
            members.setdefault(props.retrieve_type, []).append(props.full_name)
        types = "".join(
            "<met:types>"
            + "".join(_tag("members", m) for m in names)
            + _tag("name", name)
            + "</met:types>"
            for name, names in sorted(members.items())
        )
        request = (
            "<met:retrieveRequest>"
            + _tag("apiVersion", self.api_version)
            + _tag("singlePackage", "false")
            + f"<met:unpackaged>{types}{_tag('version', self.api_version)}</met:unpackaged>"
            + "</met:retrieveRequest>"
        )
        answer = self.call("retrieve", request)
        async_id = (answer.first("result") or Node("result")).get("id")
        if not async_id:
            raise SalesforceApiError("INVALID_XML", "retrieve answered without a process id.")
        return self._wait_for_retrieve(async_id)

    def _wait_for_retrieve(self, async_id: str) -> RetrieveResult:
        delay = self.poll_seconds
        while True:
            status = self._check_retrieve(async_id, include_zip=False)
            if status.get("done") == "true":
                break
            self.sleep(delay)
            delay = min(MAX_POLL_SECONDS, delay * 2)
        if status.get("status") not in ("Succeeded", ""):
            message = status.get("errorMessage") or f"The retrieve ended {status.get('status')}."
            raise SalesforceApiError(status.get("errorStatusCode") or "RETRIEVE_FAILED", message)
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
        try:
            result = self._check_retrieve(async_id, include_zip=True, sink=spool)
            spool.seek(0)
            return RetrieveResult(result, spool)
        except (zipfile.BadZipFile, SalesforceApiError) as exc:
            spool.close()
            if isinstance(exc, SalesforceApiError):
                raise
            raise SalesforceApiError("INVALID_ZIP", "The retrieved zip file is damaged.") from exc

    def _check_retrieve(self, async_id: str, *, include_zip: bool, sink=None) -> Node:
        body = _tag("asyncProcessId", async_id) + _tag("includeZip", str(include_zip).lower())
        answer = self.call("checkRetrieveStatus", body, stream_element="zipFile", sink=sink)
        return answer.first("result") or Node("result")

    # --- deploy (tests and tools) --------------------------------------------------------

    def deploy(self, zip_bytes: bytes, *, check_only: bool = False) -> DeployResult:
        """Deploy a zip (package.xml at its root) and wait for the outcome."""
        body = (
            _tag("ZipFile", base64.b64encode(zip_bytes).decode())
            + "<met:DeployOptions>"
            + _tag("checkOnly", str(check_only).lower())
            + _tag("rollbackOnError", "true")
            + _tag("singlePackage", "true")
            + "</met:DeployOptions>"
        )
        answer = self.call("deploy", body)
        async_id = (answer.first("result") or Node("result")).get("id")
        delay = self.poll_seconds
        while True:
            check = self.call(
                "checkDeployStatus",
                _tag("asyncProcessId", async_id) + _tag("includeDetails", "true"),
            )
            result = check.first("result") or Node("result")
            if result.get("done") == "true":
                break
            self.sleep(delay)
            delay = min(MAX_POLL_SECONDS, delay * 2)
        details = result.first("details") or Node("details")
        problems = [
            f"{f.get('fileName')}: {f.get('problem')}" for f in details.all("componentFailures")
        ]
        return DeployResult(
            status=result.get("status"), success=result.get("success") == "true", problems=problems
        )


# --- retrieve planning -------------------------------------------------------------------


def files_per_component(props: FileProperties, types: dict[str, MetadataType]) -> int:
    """How many zip files a component may add (its file, its -meta.xml)."""
    if props.type in FOLDER_CONTENT:
        return 1
    mtype = types.get(props.type)
    return 2 if mtype is not None and mtype.meta_file else 1


def plan_chunks(
    components: list[FileProperties],
    types: list[MetadataType],
    max_files: int = MAX_RETRIEVE_FILES,
) -> Iterator[list[FileProperties]]:
    """Consecutive chunks whose files (package.xml included) stay within `max_files`."""
    by_name = {t.xml_name: t for t in types}
    chunk: list[FileProperties] = []
    files = 1  # package.xml
    for props in components:
        count = files_per_component(props, by_name)
        if chunk and files + count > max_files:
            yield chunk
            chunk, files = [], 1
        chunk.append(props)
        files += count
    if chunk:
        yield chunk
