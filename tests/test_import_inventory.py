"""sim.importer: BAT phone exports, AXL listPhone dumps and the device table (P8, O2).

The samples in tests/data/import are synthetic but in the exact formats (tools/
make_import_samples.py writes them); the malformed inputs are generated in tmp_path, one per
row of a table, and each must give exactly its one line.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from import_helpers import error_line

from sim.errors import ArtefactError
from sim.importer import (
    DeviceClass,
    DeviceRules,
    InventoryPhone,
    read_bat_export,
    read_device_pools,
    read_listphone,
)
from sim.importer.devices import firmware_of

DATA = Path(__file__).parent / "data" / "import"
ALL_DETAILS = DATA / "phones-all-details.csv"
SPECIFIC = DATA / "phones-specific-details.csv"
LISTPHONE = DATA / "listphone.json"
CSF = "Cisco Unified Client Services Framework"
# The fleet of tools/make_import_samples.py: (device pool, device type) -> devices.
FLEET = {
    ("DP_HQ", "Cisco 8845"): 40, ("DP_HQ", "Cisco 7841"): 50, ("DP_HQ", "Cisco 7965"): 4,
    ("DP_HQ", "Cisco 7960"): 8, ("DP_LYON", "Cisco 7841"): 35, ("DP_LYON", "Cisco 8845"): 15,
    ("DP_LYON", "Cisco 7965"): 6, ("DP_LYON", "Cisco 7960"): 6, ("DP_JABBER", CSF): 30,
    ("DP_JABBER", "Cisco Dual Mode for Android"): 6,
    ("DP_JABBER", "Cisco Dual Mode for iPhone"): 6, ("DP_JABBER", "Cisco Jabber for Tablet"): 2,
}


@pytest.fixture(scope="module")
def rules() -> DeviceRules:
    return read_device_pools(DATA / "devicepools.toml").rules


@pytest.fixture(scope="module")
def bat(rules: DeviceRules) -> tuple[InventoryPhone, ...]:
    return read_bat_export(ALL_DETAILS, rules)


def by_name(phones: tuple[InventoryPhone, ...]) -> dict[str, InventoryPhone]:
    return {p.name: p for p in phones}


# -- the samples ------------------------------------------------------------------------------

def test_all_details_sample_counts_per_pool_and_model(bat: tuple[InventoryPhone, ...]) -> None:
    assert Counter((p.device_pool, p.model) for p in bat) == FLEET
    assert len({p.name for p in bat}) == len(bat) == 208
    assert Counter(p.device_class for p in bat) == {
        DeviceClass.PHONE: 164, DeviceClass.JABBER_DESKTOP: 30, DeviceClass.JABBER_ANDROID: 6,
        DeviceClass.JABBER_IPHONE: 6, DeviceClass.JABBER_TABLET: 2}


def test_all_details_sample_keeps_names_and_awkward_descriptions(
        bat: tuple[InventoryPhone, ...]) -> None:
    """Quotes, commas, a line break and non-ASCII survive; each device keeps the line its row
    starts on (the quoted line break moves every later row down one line)."""
    phones = by_name(bat)
    first = phones["SEPF87B2056B3E8"]
    assert (first.description, first.device_pool, first.model, first.source) == (
        "Søren Dubois - desk", "DP_HQ", "Cisco 8845", f"{ALL_DETAILS}:2")
    assert first.security_profile == (
        "Universal Device Template - Model-independent Security Profile")
    assert (first.directory_number, first.owner, first.protocol) == (
        "\\+4144555000", "sdubois", "SIP")
    lobby = next(p for p in bat if p.description.startswith("Lobby"))
    assert (lobby.name, lobby.description) == ("SEP001E4AFE65F4",
                                               "Lobby phone\nafter hours: dial 0")
    following = bat[bat.index(lobby) + 1]
    assert (lobby.source, following.source) == (f"{ALL_DETAILS}:93", f"{ALL_DETAILS}:95")
    assert {p.description for p in bat} >= {
        'Meeting room "Matterhorn", 3rd floor', "会議室 A (Tokyo visitors)", "Réception – Lyon",
        "Salle « Fourvière »", "Lab bench 4; do not move", ""}
    assert (phones["SEPF87B20CCE6CC"].description, phones["SEPF87B207C15B0"].owner) == (
        "Müller, Seán", "aylmaz")
    assert phones["CSFBOBRIEN"].description == "Jabber - Björn O'Brien"
    assert any(p.name.startswith("CSF") and p.description.startswith("Jabber - ") for p in bat)


def test_P8_classification_of_the_sample(bat: tuple[InventoryPhone, ...]) -> None:
    """7960s and every Jabber client lack ITL support; 7965s on 9.3(1) have it but send no
    DeviceTLInfo (firmware before 9.4(1), seed TN 117598); blank loads take the device
    default from the map (14.2(1))."""
    support = Counter((p.model, p.itl_support, p.reports_devicetlinfo, p.firmware) for p in bat)
    assert support == {
        ("Cisco 8845", True, True, "14.2(1)"): 55,
        ("Cisco 7841", True, True, "14.2(1)"): 68,
        ("Cisco 7841", True, True, "10.3(1)"): 17,
        ("Cisco 7965", True, True, "9.4(2)"): 4,
        ("Cisco 7965", True, False, "9.3(1)"): 6,
        ("Cisco 7960", False, False, "8.1(2)"): 10,
        ("Cisco 7960", False, False, "8.12(0)"): 4,
        (CSF, False, False, None): 30, ("Cisco Dual Mode for Android", False, False, None): 6,
        ("Cisco Dual Mode for iPhone", False, False, None): 6,
        ("Cisco Jabber for Tablet", False, False, None): 2,
    }
    blank = [p for p in bat if p.model == "Cisco 8845" and not p.load]
    assert len(blank) == 25 and {p.firmware for p in blank} == {"14.2(1)"}
    assert {p.reason for p in bat if p.model == "Cisco 7960"} == {
        "TN 118893 note: Cisco 7940/7960 do not support Security by Default"}


def test_without_device_defaults_blank_loads_are_unknown_unless_the_family_is_new() -> None:
    phones = read_bat_export(ALL_DETAILS)
    blank = Counter((p.model, p.firmware, p.reports_devicetlinfo) for p in phones
                    if not p.load and p.itl_support)
    assert blank == {("Cisco 8845", None, True): 25, ("Cisco 7841", None, True): 25}


def test_specific_details_sample_is_the_same_hardware(bat: tuple[InventoryPhone, ...],
                                                      rules: DeviceRules) -> None:
    """UPPER CASE columns keyed by MAC ADDRESS, two spaces before the line index, a trailing
    comma: the same phones, names SEP + MAC."""
    specific = read_bat_export(SPECIFIC, rules)
    hardware = [p for p in bat if p.device_class is DeviceClass.PHONE]
    fields = ("name", "description", "device_pool", "model", "load", "firmware",
              "security_profile", "directory_number", "itl_support", "reports_devicetlinfo")
    assert [tuple(getattr(p, f) for f in fields) for p in specific] == [
        tuple(getattr(p, f) for f in fields) for p in hardware]


def test_listphone_sample_is_the_same_fleet(bat: tuple[InventoryPhone, ...],
                                            rules: DeviceRules) -> None:
    axl = read_listphone(LISTPHONE, rules)
    assert len(axl) == len(bat)
    for from_axl, from_bat in zip(axl, bat, strict=True):
        assert from_axl.source == f"{LISTPHONE} [{axl.index(from_axl)}]"
        assert from_axl.directory_number == ""  # listPhone returns no lines
        same = {"source": from_axl.source, "directory_number": ""}
        assert from_axl == InventoryPhone(**{**from_bat.__dict__, **same})


# -- tolerance --------------------------------------------------------------------------------

ROWS = [["SEP0011AABBCC01", 'Müller, "Jo"', "DP_A", "Cisco 8845", "sip8845_65.14-2-1-0001-14"],
        ["CSFJDOE", "Jabber\nJo", "DP_B", CSF, ""]]


def write_csv(path: Path, header: list[str], rows: list[list[str]], *, sep: str = ",",
              newline: str = "\r\n", bom: bool = True, trailing: str = "") -> Path:
    def cell(value: str) -> str:
        quote = any(c in value for c in (sep, '"', "\n"))
        return '"' + value.replace('"', '""') + '"' if quote else value

    lines = [sep.join(cell(v) for v in row) + trailing for row in [header, *rows]]
    path.write_bytes(("\ufeff" if bom else "").encode() + newline.join(lines).encode() + b"\n")
    return path


HEADER = ["Device Name", "Description", "Device Pool", "Device Type", "Phone Load Name"]
VARIANTS: dict[str, dict[str, object]] = {
    "as exported": {},
    "LF, no BOM": {"newline": "\n", "bom": False},
    "semicolons (European Excel)": {"sep": ";"},
    "tabs": {"sep": "\t"},
    "trailing commas": {"trailing": ","},
    "case and spaces in column names": {
        "header": ["DEVICE  NAME", " description", "Device Pool ", "device type",
                   "Phone Load  Name"]},
    "aliases": {"header": ["Device Name", "Description", "Device Pool", "Phone Type",
                           "Phone Load"]},
    "blank and empty lines": {"rows": [ROWS[0], ["", "", "", "", ""], ROWS[1], []]},
}


@pytest.mark.parametrize("variant", list(VARIANTS), ids=list(VARIANTS))
def test_bat_tolerates_real_world_files(tmp_path: Path, variant: str) -> None:
    options = dict(VARIANTS[variant])
    header = options.pop("header", HEADER)
    rows = options.pop("rows", ROWS)
    path = write_csv(tmp_path / "phones.csv", header, rows, **options)  # type: ignore[arg-type]
    phones = read_bat_export(path)
    assert [(p.name, p.description, p.device_pool, p.model, p.load) for p in phones] == [
        tuple(r) for r in ROWS]
    assert phones[1].device_class is DeviceClass.JABBER_DESKTOP
    assert not phones[1].itl_support


def test_bat_mac_address_file_format(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "p.csv", ["MAC ADDRESS", "DEVICE POOL", "DEVICE TYPE",
                                          "DIRECTORY NUMBER  1", ""],
                     [["0011aabbcc01", "DP_A", "Cisco 7841", "1001", ""]])
    phone, = read_bat_export(path)
    assert (phone.name, phone.directory_number, phone.firmware) == ("SEP0011AABBCC01", "1001",
                                                                    None)


def test_listphone_accepts_plain_strings_and_wrapped_answers(tmp_path: Path) -> None:
    phones = [{"name": "SEP0011AABBCC01", "product": "Cisco 8845", "devicePoolName": "DP_A",
               "loadInformation": "sip8845_65.14-2-1-0001-14", "description": None},
              {"name": "CSFJDOE", "model": CSF, "product": None,
               "devicePoolName": {"_value_1": "DP_B"}, "ownerUserName": {"_value_1": None,
                                                                          "uuid": None}}]
    for shape in (phones, {"phone": phones}, {"return": {"phone": phones}}):
        path = tmp_path / "dump.json"
        path.write_text("\ufeff" + json.dumps(shape), encoding="utf-8")
        found = read_listphone(path)
        assert [(p.name, p.model, p.device_pool, p.firmware, p.owner, p.description)
                for p in found] == [
            ("SEP0011AABBCC01", "Cisco 8845", "DP_A", "14.2(1)", "", ""),
            ("CSFJDOE", CSF, "DP_B", None, "", "")]


# -- the device table -------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "expected"), [
    ("SEP0011AABBCC01", DeviceClass.PHONE), ("sep0011aabbcc01", DeviceClass.PHONE),
    ("CSFJDOE", DeviceClass.JABBER_DESKTOP), ("BOTJDOE", DeviceClass.JABBER_ANDROID),
    ("TCTJDOE", DeviceClass.JABBER_IPHONE), ("TABJDOE", DeviceClass.JABBER_TABLET),
    ("CTIRP_Hunt1", DeviceClass.OTHER), ("ATA0011AABBCC01", DeviceClass.OTHER),
    ("SEP0011AABBCC0", None), ("SEP0011AABBCCGG", None), ("SEP 0011AABBCC01", None),
    ("CSFTHISISFARTOOLONG", DeviceClass.OTHER), ("", None), ("bad name", None),
])
def test_device_names_classify(name: str, expected: DeviceClass | None) -> None:
    from sim.importer.devices import device_class

    assert device_class(name) is expected


@pytest.mark.parametrize(("load", "version"), [
    ("sip78xx.14-2-1-0001-14", (14, 2, 1)), ("sip8845_65.14-2-1-0001-14", (14, 2, 1)),
    ("SCCP45.9-4-2SR4-3S", (9, 4, 2)), ("SIP45.9-3-1SR4-1S", (9, 3, 1)),
    ("P00308010200", (8, 1, 2)), ("P0S3-08-12-00", (8, 12, 0)), ("", None), ("custom", None),
])
def test_firmware_from_load_names(load: str, version: tuple[int, int, int] | None) -> None:
    assert firmware_of(load) == version


@pytest.mark.parametrize(("model", "load", "support", "reports"), [
    ("Cisco 7965", "SCCP45.9-4-1-3S", True, True),  # 9.4(1): the first that reports (O2)
    ("Cisco 7965", "SCCP45.9-3-9-1S", True, False),
    ("Cisco 7965", "", True, None),  # firmware unknown, family older than 9.4(1)
    ("Cisco 8845", "", True, True),  # every 8800 firmware is newer (I42)
    ("Cisco 7940", "P00308010200", False, False), ("Cisco 7905", "", False, False),
    ("Cisco 7912", "", False, False), ("Cisco TelePresence SX20", "", False, False),
    ("Third-party SIP Device (Advanced)", "", False, False),
    ("Cisco IP Communicator", "", True, None),
])
def test_P8_model_rules(model: str, load: str, support: bool, reports: bool | None) -> None:
    found = DeviceRules().classify("SEP0011AABBCC01", model, load)
    assert (found.itl_support, found.reports_devicetlinfo) == (support, reports)


def test_P8_overrides_in_the_device_pool_map_win() -> None:
    rules = DeviceRules(itl_support={"cisco  7960": True}, device_defaults={"Cisco 7965":
                                                                           "SCCP45.9-4-2-1S"})
    assert rules.classify("SEP0011AABBCC01", "Cisco 7960", "").itl_support
    assert rules.classify("SEP0011AABBCC01", "Cisco 7960", "").reason == (
        "the device-pool map's [itl_support]")
    assert rules.classify("SEP0011AABBCC01", "Cisco 7965", "").firmware == "9.4(2)"
    assert not rules.classify("CSFJDOE", "Cisco 8845", "").itl_support  # a Jabber name


# -- malformed BAT exports: one line each ------------------------------------------------------

GOOD = [HEADER, ROWS[0], ["SEP0011AABBCC02", "x", "DP_A", "Cisco 7841", ""]]


def _csv_text(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().removesuffix("\r\n")


BROKEN_BAT: list[tuple[str, Callable[[], bytes], str]] = [
    ("no Device Name column", lambda: _csv_text([["Name", "Device Pool", "Device Type"],
                                                 ["SEP0011AABBCC01", "DP", "Cisco 8845"]]).encode(),
     "phones.csv:1: no 'Device Name' column (or 'MAC Address'); columns found: Name, Device "
     "Pool, Device Type; expected a BAT phone export ('All Details', or 'Specific Details' "
     "with a file format that includes Device Pool and Device Type)"),
    ("no Device Pool column", lambda: _csv_text([["Device Name", "Device Type"],
                                                 ["SEP0011AABBCC01", "Cisco 8845"]]).encode(),
     "phones.csv:1: no 'Device Pool' column; columns found: Device Name, Device Type; "
     "expected a BAT phone export"),
    ("name not SEP + MAC", lambda: _csv_text([*GOOD, ["SEP12", "", "DP_A", "Cisco 8845", ""]]
                                             ).encode(),
     "phones.csv:4 [Device Name]: 'SEP12' is not a device name; expected SEP + the "
     "12-hex-digit MAC address for a phone"),
    ("no device pool", lambda: _csv_text([GOOD[0], ["SEP0011AABBCC01", "", "", "Cisco 8845", ""]]
                                         ).encode(),
     "phones.csv:2 [Device Pool]: SEP0011AABBCC01 has no device pool"),
    ("no device type", lambda: _csv_text([GOOD[0], ["SEP0011AABBCC01", "", "DP", "", ""]]
                                         ).encode(),
     "phones.csv:2 [Device Type]: SEP0011AABBCC01 has no device type (model)"),
    ("duplicate device", lambda: _csv_text([*GOOD, GOOD[1]]).encode(),
     "phones.csv:4 [Device Name]: SEP0011AABBCC01 appears again (first at phones.csv:2); an "
     "export names each device once"),
    ("unquoted comma", lambda: (_csv_text(GOOD) + "\r\nSEP0011AABBCC03,a, b,DP_A,Cisco 8845,"
                                "x").encode(),
     "phones.csv:4: 6 values but the header has 5 columns (extra: 'x'); a comma inside a "
     "value needs double quotes"),
    ("open quote", lambda: (_csv_text(GOOD) + '\r\nSEP0011AABBCC03,"a,DP_A,Cisco 8845,').encode(),
     "phones.csv:4: not readable as CSV: unexpected end of data (a double quote opened and "
     "not closed?)"),
    ("Windows code page", lambda: _csv_text([GOOD[0], ["SEP0011AABBCC01", "Müller", "DP", "Cisco "
                                                       "8845", ""]]).encode("cp1252"),
     "phones.csv:2: not UTF-8 text (byte 0xFC); save the export as UTF-8 (in Excel: 'CSV "
     "UTF-8'), as the BAT guide asks"),
    ("empty file", lambda: b"",
     "phones.csv:1: the file is empty or its first line is blank; expected a BAT phone export"),
    ("header only", lambda: _csv_text([GOOD[0]]).encode(),
     "phones.csv:2: no devices below the column names; expected a BAT phone export"),
    ("column twice", lambda: _csv_text([[*GOOD[0], "device pool"], [*GOOD[1], "DP_B"]]).encode(),
     "phones.csv:1: column 'Device Pool' appears 2 times (columns 3, 6); keep one"),
    ("bad MAC", lambda: _csv_text([["MAC ADDRESS", "DEVICE POOL", "DEVICE TYPE"],
                                   ["0011AABBCCZZ", "DP", "Cisco 8845"]]).encode(),
     "phones.csv:2 [MAC ADDRESS]: '0011AABBCCZZ' is not a MAC address; expected 12 hex digits"),
]


@pytest.mark.parametrize("case", BROKEN_BAT, ids=[c[0] for c in BROKEN_BAT])
def test_malformed_bat_export_is_one_line(
        tmp_path: Path, case: tuple[str, Callable[[], bytes], str]) -> None:
    _, content, message = case
    line = error_line(tmp_path, "phones.csv", content(), read_bat_export)
    assert line.startswith(message), line


def test_missing_bat_file(tmp_path: Path) -> None:
    with pytest.raises(ArtefactError, match=r"nothere.csv: no such file; expected a BAT"):
        read_bat_export(tmp_path / "nothere.csv")


# -- malformed listPhone dumps -----------------------------------------------------------------

PHONE = {"name": "SEP0011AABBCC01", "product": "Cisco 8845",
         "devicePoolName": {"_value_1": "DP_A", "uuid": "{1}"}}
BROKEN_AXL: list[tuple[str, str, str]] = [
    ("not JSON", '[\n{"name": "SEP0011AABBCC01",\n "product" "Cisco 8845"}]',
     "dump.json:3: not JSON: Expecting ':' delimiter (column 12); expected an AXL listPhone "
     "dump"),
    ("an object", json.dumps({"name": "x"}),
     "dump.json: expected a list of phones, got an object with keys name; expected an AXL"),
    ("an empty list", "[]", "dump.json: the list of phones is empty"),
    ("not a phone", json.dumps([PHONE, "SEP0011AABBCC02"]),
     "dump.json [1]: expected a phone object, got str"),
    ("no name", json.dumps([PHONE, {**PHONE, "name": None}]),
     "dump.json [1.name]: no device name"),
    ("bad name", json.dumps([{**PHONE, "name": "SEPXYZ"}]),
     "dump.json [0.name]: 'SEPXYZ' is not a device name"),
    ("no device pool", json.dumps([{**PHONE, "devicePoolName": {"_value_1": None,
                                                                "uuid": None}}]),
     "dump.json [0.devicePoolName]: SEP0011AABBCC01 has no device pool"),
    ("no model", json.dumps([{**PHONE, "product": None}]),
     "dump.json [0.product]: SEP0011AABBCC01 has no device type (model)"),
    ("odd reference", json.dumps([{**PHONE, "devicePoolName": {"name": "DP_A"}}]),
     'dump.json [0.devicePoolName]: expected a string or a reference {"_value_1": ..., '
     '"uuid": ...}, got keys name'),
    ("a list value", json.dumps([{**PHONE, "description": ["a"]}]),
     'dump.json [0.description]: expected a string, got ["a"]'),
    ("duplicate", json.dumps([PHONE, PHONE]),
     "dump.json [1.name]: SEP0011AABBCC01 appears again (first at dump.json [0])"),
]


@pytest.mark.parametrize("case", BROKEN_AXL, ids=[c[0] for c in BROKEN_AXL])
def test_malformed_listphone_dump_is_one_line(tmp_path: Path, case: tuple[str, str, str]) -> None:
    _, content, message = case
    line = error_line(tmp_path, "dump.json", content, read_listphone)
    assert line.startswith(message), line
