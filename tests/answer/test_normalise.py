"""Normalisation of the facts a claim is compared on: numbers, dates, names, abbreviations."""

from __future__ import annotations

from app.answer import normalise as nz


def test_number_words_and_digits_compare_as_values() -> None:
    assert nz.number_values("It took off nine entities") == {"9"}
    assert nz.number_values("thirty-six firms") == {"36"}
    assert "175000000" in nz.number_values("downloaded 175 million times")
    assert "1000000" in nz.number_values("more than 1,000,000 monthly active users")
    assert "20" in nz.number_values("less than 20 percent")
    assert nz.number_values("In 2020 the order") == set()  # a year is a date, checked as a date
    assert nz.number_values("one of the firms") == set()  # a bare 'one' is a pronoun more often than a count


def test_dates_in_any_common_format_are_the_same_date() -> None:
    iso = nz.dates("on 2022-12-16")[0]
    us = nz.dates("on December 16, 2022")[0]
    eu = nz.dates("on 16 December 2022")[0]
    abbr = nz.dates("on Dec. 16, 2022")[0]
    assert iso == us == eu == abbr == nz.DateRef(2022, 12, 16)
    assert nz.date_supported(us, [iso])
    assert not nz.date_supported(nz.DateRef(2022, 12, 17), [iso])
    # A day and month in the evidence with the year from the document's date.
    assert nz.date_supported(nz.DateRef(2020, 9, 27), [nz.DateRef(None, 9, 27), nz.DateRef(2020, None, None)])
    assert not nz.date_supported(nz.DateRef(2021, 9, 27), [nz.DateRef(None, 9, 27), nz.DateRef(2020, None, None)])
    assert nz.dates("Sept. 27")[0] == nz.DateRef(None, 9, 27)


def test_abbreviations_and_inflections_fold_to_one_form() -> None:
    vocab = nz.words("The United States and the Netherlands restricted exports under E.O. 13942.")
    for name in ["U.S.", "US", "Netherlands", "EO"]:
        assert nz.name_supported(name, vocab, set()), name
    assert nz.fold("TikTok's") == "tiktok"
    assert nz.name_tokens("The U.S. Treasury said so.") == ["US", "Treasury"]


def test_acronyms_match_the_initials_of_a_name() -> None:
    initials = nz.acronyms("the Committee on Foreign Investment in the United States reviewed it")
    assert nz.name_supported("CFIUS", set(), initials)
    assert not nz.name_supported("NATO", set(), initials)


def test_a_document_date_is_shown_as_sources_write_dates() -> None:
    from app.answer.compose import attribution_for
    from app.types import Passage

    assert nz.long_date("2024-04-24") == "April 24, 2024"
    assert nz.long_date("2021-12") == "December 2021"
    assert nz.long_date("2021") == "2021"
    for odd in ("", "2021-13-40", "last spring"):
        assert nz.long_date(odd) == odd
    p = Passage("c", "d", "a.md", "House vote", "Reuters", "news", "2024-03-14", "", "The House passed the bill.", 0, 26)
    assert attribution_for(p) == "According to Reuters (March 14, 2024): "
    # The date in the attribution is the same date as a source's "March 14, 2024" for the checks.
    assert nz.dates(attribution_for(p))[0].key() == nz.dates("on March 14, 2024")[0].key()
