"""Detection and masking of personal data in the public version."""
from portal.core.redaction import find_personal_data, mask_text, valid_id_card


def test_id_card_checksum():
    assert valid_id_card("11010519491231002X")
    assert not valid_id_card("110105194912310021")  # wrong check digit
    text = "证件号 11010519491231002X 和 110105194912310021"
    assert [f.value for f in find_personal_data(text) if f.kind == "id_card"] == \
        ["11010519491231002X"]


def test_each_kind_is_masked():
    text = ("手机 139-1234-5678，座机 021 5555 1234，身份证 11010519491231002X，"
            "邮箱 li.ming@example.com，车牌 沪A12345。")
    masked, findings = mask_text(text)
    assert {f.kind for f in findings} == {"phone", "id_card", "email", "plate"}
    for value in ("139-1234-5678", "5555", "11010519491231002X", "li.ming@", "沪A12345"):
        assert value not in masked
    assert "139****5678" in masked and "l***@example.com" in masked and "沪A*****" in masked


def test_dates_and_house_numbers_are_not_personal_data():
    text = "2021年07月29日20:26，杨树浦路1500号，12+1 模式，3 个驿站"
    assert find_personal_data(text) == []


def test_kept_values_stay_visible():
    masked, findings = mask_text("请拨打 021 6555 1234 或联系 13912345678", keep=["021 6555 1234"])
    assert "021 6555 1234" in masked and "13912345678" not in masked
    assert [f.value for f in findings] == ["13912345678"]
