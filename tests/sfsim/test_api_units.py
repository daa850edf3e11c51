"""Unit tests of the simulator's HTTP pieces that need no org: TLS, faults, locators."""

from __future__ import annotations

import array
import io
import ipaddress
import threading

import pytest
import requests
from cryptography import x509
from werkzeug.serving import make_server
from werkzeug.wrappers import Response

from sfsim.errors import SalesforceError
from sfsim.server.bulk import decode_locator, encode_locator, write_lines
from sfsim.server.cursors import CursorRegistry, split_locator
from sfsim.server.faults import FaultRegistry, FaultSpecError
from sfsim.server.http import VERSIONS, version_label
from sfsim.server.tls import ensure_certificates
from sfsim.values import sf_number_text


def test_certificates_are_made_once_and_trusted_over_https(tmp_path):
    files = ensure_certificates(tmp_path)
    first = files.cert_path.read_bytes()
    again = ensure_certificates(tmp_path)
    assert again.cert_path.read_bytes() == first
    assert oct(files.key_path.stat().st_mode & 0o777) == "0o600"

    cert = x509.load_pem_x509_certificate(first)
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["localhost"]
    assert san.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("127.0.0.1")]

    server = make_server(
        "127.0.0.1", 0, Response("hello over tls"), threaded=True, ssl_context=files.ssl_context()
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        session = requests.Session()
        session.trust_env = False
        answer = session.get(f"https://127.0.0.1:{server.server_port}/", verify=str(files.ca_path))
        assert answer.text == "hello over tls"
        answer = session.get(f"https://localhost:{server.server_port}/", verify=str(files.ca_path))
        assert answer.status_code == 200
        with pytest.raises(requests.exceptions.SSLError):
            session.get(f"https://127.0.0.1:{server.server_port}/", verify=True)
    finally:
        server.shutdown()
        server.server_close()


def test_fault_fires_on_nth_call_for_count_calls():
    registry = FaultRegistry()
    registry.add({"route": "/services/data/*/query*", "kind": "http503", "on_call": 2, "count": 2})
    fired = [registry.match("GET", "/services/data/v62.0/query") is not None for _ in range(5)]
    assert fired == [False, True, True, False, False]
    assert registry.match("GET", "/services/data/v62.0/sobjects") is None
    [rule] = registry.rules()
    assert (rule["calls"], rule["hits"]) == (5, 2)


def test_fault_method_filter_rate_and_clear():
    registry = FaultRegistry()
    registry.add([{"route": "/x*", "kind": "http500", "method": "POST", "rate": 1.0, "count": 0}])
    assert registry.match("GET", "/x") is None
    assert all(registry.match("POST", "/x/y") for _ in range(10))
    registry.add({"route": "/y", "kind": "slow", "rate": 0.5, "seed": 3})
    hits = sum(registry.match("GET", "/y") is not None for _ in range(200))
    assert 60 < hits < 140
    registry.clear()
    assert registry.rules() == []


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"route": "x", "kind": "http500"}, "'route'"),
        ({"route": "/x", "kind": "boom"}, "'kind'"),
        ({"route": "/x", "kind": "cut", "on_call": 0}, "'on_call'"),
        ({"route": "/x", "kind": "cut", "rate": 2}, "'rate'"),
        ({"route": "/x", "kind": "cut", "rate": 0.5, "on_call": 1}, "not both"),
        ({"route": "/x", "kind": "cut", "when": 1}, "Unknown fault fields: when"),
    ],
)
def test_bad_fault_specs_say_what_is_wrong(spec, message):
    with pytest.raises(FaultSpecError, match=message):
        FaultRegistry().add(spec)


class FakeCursor:
    def __init__(self, total: int, size: int) -> None:
        self.total_size = total
        self.size = size
        self.served = 0

    def next_page(self):
        page = list(range(self.served, min(self.total_size, self.served + self.size)))
        self.served += len(page)
        return [{"n": n} for n in page], self.served >= self.total_size


def test_cursor_pages_and_repeats_the_last_page_once():
    registry = CursorRegistry()
    records, locator = registry.first_page("00D1", FakeCursor(5, 2))
    assert [r["n"] for r in records] == [0, 1]
    assert locator.startswith("01g") and len(locator) == 18
    page, done, offset = registry.next_page("00D1", locator, 2)
    assert ([r["n"] for r in page], done, offset) == ([2, 3], False, 4)
    again, done, offset = registry.next_page("00D1", locator, 2)
    assert ([r["n"] for r in again], offset) == ([2, 3], 4)
    page, done, offset = registry.next_page("00D1", locator, 4)
    assert ([r["n"] for r in page], done) == ([4], True)
    with pytest.raises(SalesforceError) as error:
        registry.next_page("00D1", locator, 1)
    assert error.value.error_code == "INVALID_QUERY_LOCATOR"
    with pytest.raises(SalesforceError):
        registry.next_page("00DOTHER", locator, 4)


def test_single_page_query_opens_no_locator():
    registry = CursorRegistry()
    records, locator = registry.first_page("00D1", FakeCursor(2, 2000))
    assert len(records) == 2 and locator is None
    assert registry.open_count() == 0


def test_locator_parsing():
    assert split_locator("01gAAAAAAAAAAAAAAA-2000") == ("01gAAAAAAAAAAAAAAA", 2000)
    with pytest.raises(SalesforceError):
        split_locator("nonsense")
    assert decode_locator(encode_locator(123456)) == 123456
    with pytest.raises(SalesforceError):
        decode_locator("!!!")


def test_versions_and_labels():
    assert VERSIONS[0] == "20.0" and VERSIONS[-1] == "67.0"
    assert version_label("20.0") == "Winter '11"
    assert version_label("59.0") == "Winter '24"
    assert version_label("62.0") == "Winter '25"
    assert version_label("66.0") == "Spring '26"
    assert version_label("67.0") == "Summer '26"


def test_write_lines_records_byte_offsets_of_every_row():
    out, offsets = io.BytesIO(), array.array("Q", [0])
    end = write_lines(out, ['"1","a"\n', '"2","b"\n'], offsets, 0)
    end = write_lines(out, ['"3","Zürich"\n'], offsets, end)
    data = out.getvalue()
    assert end == len(data) and list(offsets) == [0, 8, 16, len(data)]
    assert data[offsets[2] : offsets[3]].decode() == '"3","Zürich"\n'


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (5114.64, "5114.64"),  # the short form, as before
        (100.0, "100"),
        (1e21, "1e+21"),
        (1 / 3, "0.3333333333333333"),  # 16 digits: 15 would read back as another number
        (0.1 + 0.2, "0.30000000000000004"),  # 17 digits
        (12345678901234.56, "12345678901234.56"),
        (None, ""),
    ],
)
def test_a_number_in_bulk_csv_reads_back_as_the_same_number(value, text):
    assert sf_number_text(value) == text
    assert value is None or float(text) == value
