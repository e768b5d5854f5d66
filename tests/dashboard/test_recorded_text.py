"""The cluster records' English texts on Russian pages: the project's translation from the database, a controlled
vocabulary's terms, or the text as recorded marked as English; figures written the page's way; and every text
the bundled data records has its Russian (so a Russian page shows none of them in English)."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import create_engine, text

from dashboard import companies_data as cdata
from dashboard.i18n import FIGURE, RecordedText, has_latin_words, russian_figures, translate_value

SYNTHETIC = {"to 2015 (SYNTHETIC)": "по 2015 (SYNTHETIC)", "launch planned": "запуск планировался"}


def test_russian_page_shows_the_translation_english_page_the_record():
    assert RecordedText(SYNTHETIC, "ru").text("launch planned") == "запуск планировался"
    assert RecordedText(SYNTHETIC, "ru").text("  launch planned ") == "запуск планировался"
    assert RecordedText(SYNTHETIC, "en").text("launch planned") == "launch planned"
    assert RecordedText(SYNTHETIC, "ru").text(None) == "" and RecordedText(SYNTHETIC, "ru").text(float("nan")) == ""


def test_a_vocabulary_value_is_translated_by_its_terms_only_when_every_word_is_known():
    texts = RecordedText({}, "ru")
    assert texts.text("Germany / Italy", "country") == "Германия / Италия"
    assert texts.text("Russia (partner USA)", "country") == "Россия (партнёр США)"
    assert texts.text("anchor plant (acquired complex, modernisation)", "kind") == \
        "якорный завод (купленный комплекс, модернизация)"
    # a term known, the rest not: the text stays as recorded (never half translated)
    assert texts.text("Germany (SYNTHETIC owner)", "country") == "Germany (SYNTHETIC owner)"
    assert not texts.translated("Germany (SYNTHETIC owner)", "country")
    assert texts.translated("2015") and texts.translated("Калуга")


def test_untranslated_text_is_marked_as_the_sources_english_with_a_russian_label():
    note = "SYNTHETIC note nobody translated"
    marked, label = RecordedText({}, "ru").node(note).children
    assert (marked.lang, marked.className, marked.children) == ("en", "original-text", note)
    assert not has_latin_words(label.children) and "по-английски" in label.children
    name = RecordedText({}, "ru").node("SYNTHETIC Pharma GmbH", name=True)
    assert (name.lang, name.children) == ("en", "SYNTHETIC Pharma GmbH")  # a name: marked, not labelled
    assert RecordedText({}, "en").node("SYNTHETIC note nobody translated") == "SYNTHETIC note nobody translated"
    assert RecordedText(SYNTHETIC, "ru").node("launch planned") == "запуск планировался"


def test_figures_are_written_the_pages_way_with_the_same_numbers():
    assert russian_figures("~500,000") == "~500\u00a0000"
    assert russian_figures(">5.2") == ">5,2"
    assert russian_figures(">19 (+14.4%)") == ">19 (+14,4%)"
    assert russian_figures("14.09.2010") == "14.09.2010"  # a date, not a decimal
    assert russian_figures("1,5") == "1,5"
    assert RecordedText({}, "ru").figure(">5.2") == ">5,2"
    assert RecordedText({}, "en").figure(">5.2") == ">5.2"


def test_a_frames_columns_in_the_page_language():
    frame = pd.DataFrame({"period_raw": ["launch planned", None], "value_raw": ["3.5", "~500,000"],
                          "country": ["Germany", "Denmark"], "record_key": ["a", "b"]})
    shown = RecordedText(SYNTHETIC, "ru").frame(frame, {"period_raw": (), "value_raw": (FIGURE,),
                                                        "country": ("country",)})
    assert shown["period_raw"].iloc[0] == "запуск планировался" and pd.isna(shown["period_raw"].iloc[1])
    assert shown["value_raw"].tolist() == ["3,5", "~500\u00a0000"]
    assert shown["country"].tolist() == ["Германия", "Дания"]
    assert shown["record_key"].tolist() == ["a", "b"] and frame["country"].tolist() == ["Germany", "Denmark"]
    assert RecordedText(SYNTHETIC, "en").frame(frame, {"period_raw": ()}) is frame


def test_event_types_have_their_russian_names():
    assert translate_value("event_type", "agreement (SPIC)", "ru") == "соглашение (СПИК)"
    assert translate_value("event_type", "SEZ residency approval", "ru") == "одобрение резидентства ОЭЗ"
    assert translate_value("event_type", "agreement", "en") == "agreement"


# What the Russian pages show of each table's recorded texts, and the vocabulary each is translated with (the
# products, investments, companies and company pages). Names (companies, parents, products, substances) may
# stay as recorded: they are proper names, not text.
SHOWN: dict[tuple[str, str], tuple[str, ...]] = {
    ("investments", "amount_raw"): (), ("investments", "currency_raw"): ("unit",),
    ("investments", "period_raw"): (), ("investments", "status"): ("status",),
    ("investments", "scope"): ("scope",), ("investments", "note"): (),
    ("cluster_indicators", "indicator"): (), ("cluster_indicators", "value_raw"): (),
    ("cluster_indicators", "unit"): ("unit",), ("cluster_indicators", "year_raw"): (),
    ("cluster_indicators", "scope"): ("scope", "place"), ("cluster_indicators", "note"): (),
    ("products", "dosage_form"): (), ("products", "status_raw"): (), ("products", "therapy_area_raw"): (),
    ("products", "note"): (),
    ("events", "date_raw"): (), ("events", "event_type"): ("event_type",), ("events", "description"): (),
    ("events", "location"): ("place",),
    **{(table, field): kinds for table in ("companies", "company_records") for field, kinds in cdata.FIELD_KINDS.items()
       if field not in cdata.NAME_FIELDS},
}


@pytest.fixture(scope="module")
def bundled(bundled_db_url):
    engine = create_engine(bundled_db_url)
    yield engine
    engine.dispose()


def test_every_text_the_bundled_data_records_has_its_russian(bundled):
    with bundled.connect() as conn:
        translations = dict(conn.execute(text("select value, text_ru from translations where field = 'cluster'")).all())
        texts = RecordedText(translations, "ru")
        untranslated = {(table, column, value)
                        for (table, column), kinds in SHOWN.items()
                        for (value,) in conn.execute(text(f"select distinct {column} from {table}"))
                        if not texts.translated(value, *kinds)}
    assert untranslated == set()


def test_every_atc_code_the_bundled_products_use_is_named_in_russian(bundled):
    with bundled.connect() as conn:
        names = dict(conn.execute(text("select value, text_ru from translations where field = 'atc'")).all())
        used = {row[0] for row in conn.execute(text(
            "select g.code from atc_groups g join products p on p.atc_code like g.code || '%'"))}
    assert used and used <= set(names)
