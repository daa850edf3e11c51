import json
from functools import cache

import pytest

import soql
from tests.fixtures import SALESFORCE_DATA

DESCRIBE_DIR = SALESFORCE_DATA / "describe"


@cache
def _load(name):
    path = DESCRIBE_DIR / f"{name}.json"
    return json.loads(path.read_text())


def describe(name):
    for known in ("Account", "Contact", "Opportunity"):
        if known.lower() == name.lower():
            return _load(known)
    return None


def check(text):
    return soql.validate(soql.parse(text), describe)


@pytest.mark.parametrize(
    "text",
    [
        "SELECT Id, Name, Owner.Name, Parent.Name, Parent.Parent.Industry FROM Account",
        "select id, account.name, ACCOUNT.ANNUALREVENUE FROM contact",
        "SELECT Id, (SELECT Id, Email FROM Contacts WHERE Email != null), "
        "(SELECT Name, Amount FROM Opportunities) FROM Account",
        "SELECT Id FROM Contact c WHERE c.Account.Name LIKE 'A%' AND c.Birthdate = LAST_YEAR",
        "SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact WHERE Email = null)",
        "SELECT Industry, COUNT(Id) n, SUM(AnnualRevenue), MAX(CreatedDate) FROM Account "
        "GROUP BY Industry HAVING COUNT(Id) > 1",
        "SELECT COUNT() FROM Account WHERE CreatedDate = THIS_MONTH",
        "SELECT FIELDS(ALL) FROM Account LIMIT 200",
        "SELECT FIELDS(STANDARD) FROM Account",
        "SELECT Id FROM Contact WHERE IsEmailBounced = false AND CreatedDate > "
        "2024-01-01T00:00:00Z AND Birthdate < 2000-01-01 AND Account.AnnualRevenue > 5",
        "SELECT Id FROM Account ORDER BY Name DESC NULLS LAST, CreatedDate",
    ],
)
def test_valid_queries(text):
    assert check(text)["name"] in ("Account", "Contact")


def test_unknown_object_is_invalid_type():
    with pytest.raises(soql.SoqlFieldError) as info:
        check("SELECT Id FROM Foo__c")
    assert info.value.error_code == "INVALID_TYPE"
    assert info.value.detail == (
        "sObject type 'Foo__c' is not supported. If you are attempting to use a custom "
        "object, be sure to append the '__c' after the entity name. Please reference your "
        "WSDL or the describe call for the appropriate names."
    )
    assert "ERROR at Row:1:Column:16" in info.value.salesforce_message()


def test_unknown_field_message_matches_salesforce():
    with pytest.raises(soql.SoqlFieldError) as info:
        check("SELECT Foo FROM Account")
    assert info.value.error_code == "INVALID_FIELD"
    assert info.value.salesforce_message() == (
        "\nSELECT Foo FROM Account\n       ^\nERROR at Row:1:Column:8\n"
        "No such column 'Foo' on entity 'Account'. If you are attempting to use a custom "
        "field, be sure to append the '__c' after the custom field name. Please reference "
        "your WSDL or the describe call for the appropriate names."
    )


@pytest.mark.parametrize(
    ("text", "code", "column", "detail_start"),
    [
        (
            "SELECT Id, Account.Nope FROM Contact",
            "INVALID_FIELD",
            12,
            "No such column 'Nope' on entity 'Account'",
        ),
        (
            "SELECT Id, Acount.Name FROM Contact",
            "INVALID_FIELD",
            12,
            "Didn't understand relationship 'Acount' in field path",
        ),
        ("SELECT Id FROM Account WHERE Bogus = 1", "INVALID_FIELD", 30, "No such column 'Bogus'"),
        ("SELECT Id FROM Account ORDER BY Bogus", "INVALID_FIELD", 33, "No such column 'Bogus'"),
        (
            "SELECT Id, (SELECT Id FROM Contactz) FROM Account",
            "INVALID_TYPE",
            28,
            "Didn't understand relationship 'Contactz' in FROM part",
        ),
        (
            "SELECT Id, (SELECT Bogus FROM Contacts) FROM Account",
            "INVALID_FIELD",
            20,
            "No such column 'Bogus' on entity 'Contact'",
        ),
        (
            "SELECT Id FROM Account WHERE Id IN (SELECT Bogus FROM Contact)",
            "INVALID_FIELD",
            44,
            "No such column 'Bogus' on entity 'Contact'",
        ),
        (
            "SELECT Name, COUNT(Id) FROM Account",
            "MALFORMED_QUERY",
            8,
            "Field must be grouped or aggregated: Name",
        ),
        (
            "SELECT FIELDS(ALL) FROM Account",
            "MALFORMED_QUERY",
            8,
            "The SOQL FIELDS function must have a LIMIT of at most 200",
        ),
        (
            "SELECT Id FROM Account WHERE Name INCLUDES ('a')",
            "INVALID_FIELD",
            30,
            "includes or excludes operator only valid on multipicklist field",
        ),
        (
            "SELECT Id FROM Account WHERE Description = 'x'",
            "INVALID_FIELD",
            30,
            "field 'Description' can not be filtered in a query call",
        ),
        (
            "SELECT Id FROM Account ORDER BY Name, Description",
            "INVALID_FIELD",
            39,
            "field 'Description' can not be sorted in a query call",
        ),
        (
            "SELECT CreatedDate, COUNT(Id) FROM Account GROUP BY CreatedDate",
            "INVALID_FIELD",
            53,
            "field 'CreatedDate' can not be grouped in a query call",
        ),
        (
            "SELECT SUM(Name) FROM Account",
            "MALFORMED_QUERY",
            8,
            "field Name does not support aggregate operator SUM",
        ),
        (
            "SELECT MAX(Description) FROM Account",
            "MALFORMED_QUERY",
            8,
            "field Description does not support aggregate operator MAX",
        ),
    ],
)
def test_schema_errors(text, code, column, detail_start):
    with pytest.raises(soql.SoqlFieldError) as info:
        check(text)
    assert info.value.error_code == code
    assert info.value.column == column
    assert info.value.detail.startswith(detail_start)


@pytest.mark.parametrize(
    ("condition", "detail"),
    [
        (
            "IsEmailBounced = 'true'",
            "value of filter criterion for field 'IsEmailBounced' must be of type boolean "
            "and should not be enclosed in quotes",
        ),
        (
            "Birthdate = '2020-01-01'",
            "value of filter criterion for field 'Birthdate' must be of type date and should "
            "not be enclosed in quotes",
        ),
        (
            "Birthdate = 2020-01-01T00:00:00Z",
            "value of filter criterion for field 'Birthdate' must be of type date and should "
            "not be enclosed in quotes",
        ),
        (
            "CreatedDate > 2020-01-01",
            "value of filter criterion for field 'CreatedDate' must be of type dateTime and "
            "should not be enclosed in quotes",
        ),
        (
            "LastName = 5",
            "value of filter criterion for field 'LastName' must be of type string and should "
            "be enclosed in quotes",
        ),
        (
            "Account.AnnualRevenue > '5'",
            "value of filter criterion for field 'AnnualRevenue' must be of type currency and "
            "should not be enclosed in quotes",
        ),
        (
            "LastName IN ('a', 5)",
            "value of filter criterion for field 'LastName' must be of type string and should "
            "be enclosed in quotes",
        ),
    ],
)
def test_filter_value_types(condition, detail):
    with pytest.raises(soql.SoqlFieldError) as info:
        check("SELECT Id FROM Contact WHERE " + condition)  # noqa: S608 (SOQL)
    assert info.value.error_code == "INVALID_FIELD"
    assert info.value.detail == detail
    assert info.value.column == 30


def test_null_is_accepted_for_every_type():
    check("SELECT Id FROM Contact WHERE Birthdate = null AND IsEmailBounced != null")
