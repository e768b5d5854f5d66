"""The database schema: the one module both the ETL (writer) and the dashboard (reader) import."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Load(Base):
    """One run of the loader over one file: what came in, what it changed, what it refused."""

    __tablename__ = "loads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_name: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    adapter: Mapped[str] = mapped_column(String(50))
    edition: Mapped[str | None] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    # running / applied / failed / rolled_back
    status: Mapped[str] = mapped_column(String(20))
    rows_added: Mapped[int] = mapped_column(Integer, default=0)
    rows_changed: Mapped[int] = mapped_column(Integer, default=0)
    rows_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    report: Mapped[dict | None] = mapped_column(JSON)
    # Where the file was read from, so `etl verify` can re-read it; None for a crash before reading.
    source_path: Mapped[str | None] = mapped_column(String(1000))


class Region(Base):
    """A country, federal district, federal subject, or a published part of one."""

    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name_ru: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    # country / federal_district / region / region_part
    kind: Mapped[str] = mapped_column(String(20))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class RegionAlias(Base):
    """A spelling of a region's name seen in a source, normalised (see etl.regions.normalise_name)."""

    __tablename__ = "region_aliases"

    alias: Mapped[str] = mapped_column(String(300), primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))


class Indicator(Base):
    __tablename__ = "indicators"

    code: Mapped[str] = mapped_column(String(120), primary_key=True)
    name_ru: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str | None] = mapped_column(Text)
    unit_ru: Mapped[str | None] = mapped_column(String(200))
    unit_en: Mapped[str | None] = mapped_column(String(200))
    topic: Mapped[str] = mapped_column(String(100))
    source_table: Mapped[str | None] = mapped_column(String(300))
    # year / month
    frequency: Mapped[str] = mapped_column(String(10), default="year")
    # The kind of every period this indicator is published for (etl.periods.KINDS).
    period_kind: Mapped[str | None] = mapped_column(String(12))
    # 1: a total that may be divided by population; 0: a rate, index, average or per-capita figure;
    # None: not yet classified.
    additive: Mapped[int | None] = mapped_column(Integer)
    section: Mapped[str | None] = mapped_column(String(300))
    table_number: Mapped[str | None] = mapped_column(String(40))
    # What makes the indicator one: table number, full title, unit and column-group path.
    identity: Mapped[str | None] = mapped_column(Text)
    load_id: Mapped[int | None] = mapped_column(ForeignKey("loads.id"))


class Observation(Base):
    """One published figure: indicator x region x period x edition, with where it was read."""

    __tablename__ = "observations"
    # NOTE: the natural key is the primary key, with no surrogate id: on PostgreSQL an id cost a sequence call
    # and a third index entry for every figure, and a BRIN index on load_id (loads append their rows, so a
    # load's rows lie in few block ranges) costs little to keep where a B-tree cost about a tenth of a full
    # build. Copying the build's 2.7 million figures into such a table took the server 12.1-14.1 s of CPU
    # against 17.9-19.6 s with the id, its index and a B-tree on load_id, in interleaved runs.
    __table_args__ = (
        PrimaryKeyConstraint("indicator_code", "region_code", "period", "edition", name="observations_pkey"),
        Index("ix_observations_load_id", "load_id", postgresql_using="brin"),
    )

    indicator_code: Mapped[str] = mapped_column(ForeignKey("indicators.code"))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    # The period's code (etl.periods): "2017", "2017-Q3", "2017-H1", "2017-03", "2017-YTD09",
    # "2017-01-01" (a point in time).
    period: Mapped[str] = mapped_column(String(12))
    # year / quarter / half_year / month / ytd / point
    period_kind: Mapped[str] = mapped_column(String(12), default="year")
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int | None] = mapped_column(Integer)
    value: Mapped[float | None] = mapped_column(Float)
    # The cell's text where it was not a plain number ("в 2,9 р.", "1202)"), kept as published.
    value_text: Mapped[str | None] = mapped_column(String(100))
    # "" for a published number; "not_available" for "…", "not_applicable" for "-", "blank" for an empty cell
    status: Mapped[str] = mapped_column(String(20), default="")
    edition: Mapped[str] = mapped_column(String(200))
    source_file: Mapped[str] = mapped_column(String(500))
    source_sheet: Mapped[str | None] = mapped_column(String(200))
    source_cell: Mapped[str | None] = mapped_column(String(40))
    # The header cells (A1 references, space-separated, outermost first) that give the period and
    # column group, so `etl verify` can re-read them.
    source_header: Mapped[str | None] = mapped_column(String(200))
    load_id: Mapped[int] = mapped_column(ForeignKey("loads.id"))


class Edition(Base):
    """A publication edition observations cite (RR-2019 -> "Регионы России ... 2019"), with its page."""

    __tablename__ = "editions"

    code: Mapped[str] = mapped_column(String(200), primary_key=True)
    name_ru: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str | None] = mapped_column(Text)
    short_ru: Mapped[str | None] = mapped_column(String(100))
    short_en: Mapped[str | None] = mapped_column(String(100))
    publisher: Mapped[str | None] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(600))
    load_id: Mapped[int | None] = mapped_column(ForeignKey("loads.id"))


class Source(Base):
    """A cited public page or bundled file that cluster figures come from."""

    __tablename__ = "sources"

    url: Mapped[str] = mapped_column(String(600), primary_key=True)
    title: Mapped[str | None] = mapped_column(Text)
    publisher: Mapped[str | None] = mapped_column(String(200))
    published: Mapped[str | None] = mapped_column(String(40))
    cited_rows: Mapped[int | None] = mapped_column(Integer)
    cited_in: Mapped[str | None] = mapped_column(String(200))
    load_id: Mapped[int | None] = mapped_column(ForeignKey("loads.id"))


class Company(Base):
    __tablename__ = "companies"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    name_ru: Mapped[str | None] = mapped_column(String(300))
    name_en: Mapped[str | None] = mapped_column(String(300))
    site: Mapped[str | None] = mapped_column(String(300))
    district: Mapped[str | None] = mapped_column(String(100))
    parent_company: Mapped[str | None] = mapped_column(String(300))
    parent_country: Mapped[str | None] = mapped_column(String(100))
    kind: Mapped[str | None] = mapped_column(String(200))
    year: Mapped[int | None] = mapped_column(Integer)
    year_raw: Mapped[str | None] = mapped_column(String(100))
    jobs_low: Mapped[float | None] = mapped_column(Float)
    jobs_high: Mapped[float | None] = mapped_column(Float)
    jobs_raw: Mapped[str | None] = mapped_column(String(100))
    products_text: Mapped[str | None] = mapped_column(Text)
    source_url: Mapped[str | None] = mapped_column(String(600))
    source_ref: Mapped[str | None] = mapped_column(String(300))
    load_id: Mapped[int | None] = mapped_column(ForeignKey("loads.id"))


class CompanyRecord(Base):
    """One cited statement about a company (a row of companies.csv); a company has several."""

    __tablename__ = "company_records"

    record_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    company_key: Mapped[str] = mapped_column(ForeignKey("companies.key"), index=True)
    name_ru: Mapped[str | None] = mapped_column(String(300))
    name_en: Mapped[str | None] = mapped_column(String(300))
    site: Mapped[str | None] = mapped_column(String(300))
    parent_company: Mapped[str | None] = mapped_column(String(300))
    parent_country: Mapped[str | None] = mapped_column(String(100))
    kind: Mapped[str | None] = mapped_column(String(200))
    year_raw: Mapped[str | None] = mapped_column(String(100))
    jobs_raw: Mapped[str | None] = mapped_column(String(100))
    products_text: Mapped[str | None] = mapped_column(Text)
    source_url: Mapped[str] = mapped_column(String(600))
    quote: Mapped[str | None] = mapped_column(Text)
    source_ref: Mapped[str | None] = mapped_column(String(300))
    load_id: Mapped[int | None] = mapped_column(ForeignKey("loads.id"))


class CompanyAlias(Base):
    __tablename__ = "company_aliases"

    alias: Mapped[str] = mapped_column(String(300), primary_key=True)
    company_key: Mapped[str] = mapped_column(ForeignKey("companies.key"))


class Investment(Base):
    """A cited investment figure, kept as written and parsed into a low/high range in millions."""

    __tablename__ = "investments"

    record_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    company_key: Mapped[str] = mapped_column(String(80), index=True)
    company_label: Mapped[str] = mapped_column(String(300))
    amount_raw: Mapped[str] = mapped_column(String(50))
    # ">" more than, "~" about, "range", "" exact
    qualifier: Mapped[str] = mapped_column(String(10))
    amount_low_mn: Mapped[float | None] = mapped_column(Float)
    amount_high_mn: Mapped[float | None] = mapped_column(Float)
    currency: Mapped[str] = mapped_column(String(3))
    currency_raw: Mapped[str] = mapped_column(String(20))
    period_raw: Mapped[str] = mapped_column(String(100))
    year_from: Mapped[int | None] = mapped_column(Integer)
    year_to: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(40))
    scope: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    source_url: Mapped[str] = mapped_column(String(600))
    quote: Mapped[str | None] = mapped_column(Text)
    source_ref: Mapped[str | None] = mapped_column(String(300))
    load_id: Mapped[int | None] = mapped_column(ForeignKey("loads.id"))


class TherapyArea(Base):
    """A therapy area as the cluster speaks of it (cardiology, oncology, ...), tied to ATC groups."""

    __tablename__ = "therapy_areas"

    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    name_ru: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    atc_prefixes: Mapped[str | None] = mapped_column(String(300))
    load_id: Mapped[int | None] = mapped_column(ForeignKey("loads.id"))


class AtcGroup(Base):
    """WHO ATC codes the project needs: levels 1-2 in full, deeper codes for known products."""

    __tablename__ = "atc_groups"

    code: Mapped[str] = mapped_column(String(10), primary_key=True)
    level: Mapped[int] = mapped_column(Integer)
    name_en: Mapped[str] = mapped_column(String(300))
    parent_code: Mapped[str | None] = mapped_column(String(10))
    load_id: Mapped[int | None] = mapped_column(ForeignKey("loads.id"))


class Product(Base):
    __tablename__ = "products"

    record_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    company_key: Mapped[str] = mapped_column(String(80), index=True)
    company_label: Mapped[str | None] = mapped_column(String(300))
    trade_name: Mapped[str] = mapped_column(String(300))
    inn: Mapped[str | None] = mapped_column(String(300))
    dosage_form: Mapped[str | None] = mapped_column(String(300))
    status_raw: Mapped[str | None] = mapped_column(String(300))
    year: Mapped[int | None] = mapped_column(Integer)
    therapy_area_raw: Mapped[str | None] = mapped_column(String(300))
    atc_code: Mapped[str | None] = mapped_column(String(10))
    therapy_area_code: Mapped[str | None] = mapped_column(String(60))
    registration_number: Mapped[str | None] = mapped_column(String(60))
    note: Mapped[str | None] = mapped_column(Text)
    source_url: Mapped[str] = mapped_column(String(600))
    quote: Mapped[str | None] = mapped_column(Text)
    source_ref: Mapped[str | None] = mapped_column(String(300))
    load_id: Mapped[int | None] = mapped_column(ForeignKey("loads.id"))


class ClusterIndicator(Base):
    """A cluster-level figure as cited (participants, output, shares, targets)."""

    __tablename__ = "cluster_indicators"

    record_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    indicator: Mapped[str] = mapped_column(String(300))
    year_raw: Mapped[str] = mapped_column(String(100))
    year: Mapped[int | None] = mapped_column(Integer)
    is_target: Mapped[int] = mapped_column(Integer, default=0)
    value_raw: Mapped[str] = mapped_column(String(100))
    qualifier: Mapped[str] = mapped_column(String(10))
    value_low: Mapped[float | None] = mapped_column(Float)
    value_high: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str | None] = mapped_column(String(100))
    scope: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    source_url: Mapped[str] = mapped_column(String(600))
    quote: Mapped[str | None] = mapped_column(Text)
    source_ref: Mapped[str | None] = mapped_column(String(300))
    load_id: Mapped[int | None] = mapped_column(ForeignKey("loads.id"))


class Event(Base):
    __tablename__ = "events"

    record_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    date_raw: Mapped[str] = mapped_column(String(200))
    # ISO prefix: "2012", "2012-03" or "2012-03-15"
    date: Mapped[str | None] = mapped_column(String(10))
    year: Mapped[int | None] = mapped_column(Integer)
    is_planned: Mapped[int] = mapped_column(Integer, default=0)
    event_type: Mapped[str] = mapped_column(String(100))
    company_label: Mapped[str | None] = mapped_column(String(300))
    company_key: Mapped[str | None] = mapped_column(String(80), index=True)
    description: Mapped[str] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(String(200))
    source_url: Mapped[str] = mapped_column(String(600))
    quote: Mapped[str | None] = mapped_column(Text)
    source_ref: Mapped[str | None] = mapped_column(String(300))
    load_id: Mapped[int | None] = mapped_column(ForeignKey("loads.id"))


class Translation(Base):
    """Russian for a value the data records in English only, loaded from data/reference with the regions.

    field "cluster": a text of the cluster records (a note, a period, a site, a description) as recorded,
    with the project's own translation; field "atc": an ATC code with its official Russian (АТХ) name.
    `source` says which: the project's translation, or the cited list the name is taken from.
    """

    __tablename__ = "translations"

    field: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text, primary_key=True)
    text_ru: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(300))
    load_id: Mapped[int | None] = mapped_column(ForeignKey("loads.id"))


class IndicatorCoverage(Base):
    """What the observations of one indicator, edition and period kind cover, kept by the loader.

    The catalogue reads this instead of aggregating the observations table on a request: each load
    and each rollback recomputes the rows of the indicators and editions it touched, in its own
    transaction (etl.load.refresh_coverage).
    """

    __tablename__ = "indicator_coverage"

    indicator_code: Mapped[str] = mapped_column(String(120), primary_key=True)
    edition: Mapped[str] = mapped_column(String(200), primary_key=True)
    period_kind: Mapped[str] = mapped_column(String(12), primary_key=True)
    # Distinct regions with any row (a published number or a stated gap).
    regions: Mapped[int] = mapped_column(Integer)
    # Range of the periods and years with a published number; None when every cell is a gap.
    first_period: Mapped[str | None] = mapped_column(String(12))
    last_period: Mapped[str | None] = mapped_column(String(12))
    first_year: Mapped[int | None] = mapped_column(Integer)
    last_year: Mapped[int | None] = mapped_column(Integer)
    # Rows, and rows with a published number.
    observations: Mapped[int] = mapped_column(Integer)
    published: Mapped[int] = mapped_column(Integer)
    # The load (or the load whose rollback) last recomputed the row.
    updated_by_load_id: Mapped[int | None] = mapped_column(Integer)


class SupersededValue(Base):
    """The previous version of a row a load changed, so a load can be rolled back exactly."""

    __tablename__ = "superseded_values"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    table_name: Mapped[str] = mapped_column(String(60))
    row_key: Mapped[dict] = mapped_column(JSON)
    old_values: Mapped[dict] = mapped_column(JSON)
    superseded_by_load_id: Mapped[int] = mapped_column(ForeignKey("loads.id"), index=True)


class Analyst(Base):
    """An analyst who may sign in to /admin: a name and a scrypt hash of the password, never the password."""

    __tablename__ = "analysts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class LoginAttempt(Base):
    """One sign-in attempt, kept so failed ones can be counted per address and name (the rate limit)."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    address: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    succeeded: Mapped[bool] = mapped_column(Boolean)


class LoadChange(Base):
    """Who applied a load and what it touched (indicators, regions, periods), and who rolled it back when.

    Written in the load's (or the rollback's) own transaction, so the public changelog can still say
    what a rolled-back load had touched after its rows are gone.
    """

    __tablename__ = "load_changes"

    load_id: Mapped[int] = mapped_column(ForeignKey("loads.id"), primary_key=True)
    applied_by: Mapped[str | None] = mapped_column(String(100))
    indicators: Mapped[list] = mapped_column(JSON)
    regions: Mapped[list] = mapped_column(JSON)
    periods: Mapped[list] = mapped_column(JSON)
    # Figures that were already stored in another edition with a different value.
    revisions: Mapped[int] = mapped_column(Integer, default=0)
    recorded_at: Mapped[datetime] = mapped_column(DateTime)
    rolled_back_by: Mapped[str | None] = mapped_column(String(100))
    rolled_back_at: Mapped[datetime | None] = mapped_column(DateTime)


# Tables the loader derives from the data tables in the same transaction (never loaded from a file).
DERIVED_TABLES: tuple[str, ...] = ("indicator_coverage",)

# Natural keys the loader upserts on, per table.
NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    "regions": ("code",),
    "region_aliases": ("alias",),
    "indicators": ("code",),
    "editions": ("code",),
    "observations": ("indicator_code", "region_code", "period", "edition"),
    "sources": ("url",),
    "companies": ("key",),
    "company_records": ("record_key",),
    "company_aliases": ("alias",),
    "investments": ("record_key",),
    "therapy_areas": ("code",),
    "atc_groups": ("code",),
    "products": ("record_key",),
    "cluster_indicators": ("record_key",),
    "events": ("record_key",),
    "translations": ("field", "value"),
}

# Order in which a load writes tables, so foreign keys are satisfied.
LOAD_ORDER: tuple[str, ...] = (
    "regions",
    "region_aliases",
    "sources",
    "indicators",
    "editions",
    "observations",
    "therapy_areas",
    "translations",
    "atc_groups",
    "companies",
    "company_aliases",
    "company_records",
    "investments",
    "products",
    "cluster_indicators",
    "events",
)


# --- the digest and the contact form (user data the dashboard writes; never figures) ------------------------


class Subscriber(Base):
    """One address subscribed to the monthly digest: only what the subscription needs (an unsubscribed address
    is deleted with its letters' records).

    Tokens are kept as SHA-256 hashes: the letters carry the tokens, the database cannot give them away.
    """

    __tablename__ = "subscribers"
    # Named, so both backends report them alike.
    __table_args__ = (
        UniqueConstraint("email", name="uq_subscribers_email"),
        UniqueConstraint("confirm_token_hash", name="uq_subscribers_confirm_token"),
        UniqueConstraint("unsubscribe_token_hash", name="uq_subscribers_unsubscribe_token"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    lang: Mapped[str] = mapped_column(String(2))
    # Which consent text the address agreed to (dashboard.subscriptions.CONSENT_VERSION) and when.
    consent_version: Mapped[str] = mapped_column(String(20))
    consented_at: Mapped[datetime] = mapped_column(DateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    confirm_token_hash: Mapped[str | None] = mapped_column(String(64))
    # The unsubscribe token of the confirmation letter; each digest letter has its own (DigestSend).
    unsubscribe_token_hash: Mapped[str | None] = mapped_column(String(64))


class DigestSend(Base):
    """One digest letter to one subscriber for one month: claimed before sending, so none goes twice."""

    __tablename__ = "digest_sends"
    __table_args__ = (
        UniqueConstraint("subscriber_id", "month", name="uq_digest_send"),
        UniqueConstraint("unsubscribe_token_hash", name="uq_digest_sends_unsubscribe_token"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"), index=True)
    month: Mapped[str] = mapped_column(String(7))
    # pending (claimed, being sent) / sent / failed (the server refused it; a later run retries it)
    status: Mapped[str] = mapped_column(String(10))
    unsubscribe_token_hash: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    error: Mapped[str | None] = mapped_column(String(500))


class ContactMessage(Base):
    """A message from the investors' contact form, kept with consent and forwarded when mail is set up."""

    __tablename__ = "contact_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    organisation: Mapped[str | None] = mapped_column(String(300))
    message: Mapped[str] = mapped_column(Text)
    lang: Mapped[str] = mapped_column(String(2))
    consent_version: Mapped[str] = mapped_column(String(20))
    consented_at: Mapped[datetime] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    # SHA-256 of the sender's address, only to limit messages per address (never the address itself).
    ip_hash: Mapped[str] = mapped_column(String(64), index=True)
    forwarded_at: Mapped[datetime | None] = mapped_column(DateTime)
    forward_error: Mapped[str | None] = mapped_column(String(500))

# Tables the dashboard writes for its users (subscriptions, contact messages): user data, never loaded from a file,
# so they have no natural key for the loader and no place in its load order.
APP_TABLES: tuple[str, ...] = ("subscribers", "digest_sends", "contact_messages",
                               "analysts", "login_attempts", "load_changes")
