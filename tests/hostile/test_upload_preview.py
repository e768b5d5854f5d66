"""A sample of the hostile corpus through the admin upload's validation (dashboard/admin/jobs.py), without a
browser: the preview must refuse what the CLI refuses, with the same reason, and change nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from dashboard.admin import jobs
from etl.errors import Rejection, summarise
from tests.fixtures import table_rows
from tests.hostile.cases import CASES, REFUSED, Case
from tests.hostile.conftest import case_params

SAMPLE = [case for case in CASES if case.code == REFUSED and not case.file_only][::4]


@pytest.mark.parametrize("case", case_params(SAMPLE))
def test_upload_preview_refuses_like_the_cli(case: Case, hostile_db: tuple[Engine, str], built, tmp_path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    engine, _ = hostile_db
    monkeypatch.setenv("ADMIN_UPLOAD_DIR", str(tmp_path / "uploads"))
    path = built(case)
    content = path.read_bytes()
    before = table_rows(engine)
    try:
        job = jobs.save_upload(content, path.name, "analyst", None)
    except jobs.UploadRefused as refused:
        # Refused before parsing (empty, not a workbook or text): a text key the page translates.
        assert refused.key.startswith("refused.")
        return
    jobs.validate(job, engine)
    assert job.state == "invalid", (job.state, job.message)
    shown = "\n".join(summarise([Rejection(**{k: e[k] for k in ("file", "sheet", "row", "column", "reason",
                                                               "found")}) for e in job.errors]))
    assert table_rows(engine) == before
    if path.suffix.lstrip(".") != job.kind:
        # NOTE: the upload keeps the file under the kind its bytes show (text named .xlsx is read as CSV),
        # so its reason differs from the CLI's, which goes by the suffix; it is refused all the same.
        return
    # The same reason as the CLI's; the file name is the upload's (its suffix is the sniffed kind).
    for fragment in case.says:
        if fragment not in (path.name, path.stem):
            assert fragment in shown, f"{fragment!r} not in {shown}"
    assert table_rows(engine) == before
