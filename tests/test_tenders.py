import io
import re
from datetime import date, timedelta

import pytest

from conftest import START
from market.accounts.models import User
from market.core.errors import Invalid, PermissionDenied, ServiceError
from market.core.unit import command
from market.extensions import db
from market.needs.models import TimelineEvent
from market.organizations.models import Organization
from market.procurement import bids, questions, tenders, undertakers
from market.procurement.models import Bid, BidAttachment, CatalogItem, Tender
from tests.factories import SECRET, bid, published_tender, run_at_once, tender_data, user, wants_each_mail

PDF = b"%PDF-1.4\n" + "附件里的机密ATTACH-5512".encode() + b"\n%%EOF\n"


def test_tender_rules_are_checked(app, tender_world):
    world = tender_world
    with command(app):
        buyer = user(world["buyer"])
        for overrides, code, field, figures in (  # figures: the numbers of the rule the message must give
            ({"criteria": [("服务方案", 40)]}, "points_not_100", "criteria", ()),
            ({"price_weight": 5}, "price_weight_out_of_range", "price_weight", ("10%", "100%")),
            ({"method": "competitive_consultation", "price_weight": 40}, "price_weight_out_of_range", "price_weight",
             ("10%", "30%")),
            ({"contract_months": 48}, "contract_months_out_of_range", "contract_months", ("36",)),
            ({"bid_deadline": START + timedelta(days=5)}, "deadlines_out_of_order", "bid_deadline", ()),
        ):
            with pytest.raises(ServiceError) as refused:
                tenders.create_tender(buyer, tender_data(world, **overrides))
            assert (refused.value.code, refused.value.field) == (code, field)
            assert all(figure in refused.value.message for figure in figures), refused.value.message
        short = tenders.create_tender(buyer, tender_data(world, questions_deadline=START + timedelta(days=2),
                                                         bid_deadline=START + timedelta(days=10),
                                                         opening_at=START + timedelta(days=10)))
        with pytest.raises(ServiceError) as refused:
            tenders.publish(buyer, short)  # an open tender needs 20 days
        assert refused.value.code == "bid_period_too_short" and refused.value.field == "bid_deadline"
        with pytest.raises(PermissionDenied):
            tenders.create_tender(user(world["resident"]), tender_data(world))


def test_publishing_advances_the_request_timeline(app, tender_world):
    published_tender(app, tender_world)
    with command(app):
        kinds = [
            e.kind
            for e in db.session.scalars(
                db.select(TimelineEvent).filter_by(request_id=tender_world["request"]).order_by(TimelineEvent.id)
            )
        ]
        assert kinds == ["tender_published"]


def test_bids_are_sealed_receipted_and_opened(app, tender_world, frozen, client, login):
    world = tender_world
    world["tender"] = published_tender(app, world)
    bid_ids = [bid(app, world, n, price) for n, price in ((0, 11_000_000), (1, 9_000_000), (2, 10_500_000))]
    with command(app):
        stored = db.session.get(Bid, bid_ids[0])
        assert SECRET.encode() not in stored.sealed and stored.price_fen is None
        digest = stored.digest
        assert re.fullmatch(r"[0-9a-f]{64}", digest)
    frozen.advance(days=21, hours=2)
    page = client.get(f"/procurement/tenders/{world['tender']}").get_data(as_text=True)
    assert "已开标" in page and "¥90,000.00" in page and digest in page
    with command(app):
        tender = db.session.get(Tender, world["tender"])
        assert tender.status == "opened"
        assert all(bids.verify(b) for b in bids.opened_bids(tender))
        assert [b.price_fen for b in bids.opened_bids(tender)] == [9_000_000, 10_500_000, 11_000_000]


def test_too_few_bids_fail_the_tender(app, tender_world, frozen):
    world = tender_world
    world["tender"] = published_tender(app, world)
    bid(app, world, 0)
    bid(app, world, 1)
    frozen.advance(days=22)
    with command(app):
        tender = tenders.get_tender(None, world["tender"])
        assert tender.status == "failed" and "需要至少 3 份" in tender.outcome_note
        kinds = [
            e.kind
            for e in db.session.scalars(
                db.select(TimelineEvent).filter_by(request_id=world["request"]).order_by(TimelineEvent.id)
            )
        ]
        assert kinds == ["tender_published", "tender_failed"]


def test_ineligible_late_and_outsider_bids_are_refused(app, tender_world, frozen):
    world = tender_world
    world["tender"] = published_tender(app, world)
    with pytest.raises(ServiceError) as refused:
        bid(app, world, 3)
    assert refused.value.code == "not_eligible" and "not_in_catalog" in refused.value.reasons
    with command(app):
        tender = db.session.get(Tender, world["tender"])
        data = bids.BidData(SECRET, "", "计划", 100, [("x", 100)])
        with pytest.raises(PermissionDenied):
            bids.submit_bid(user(world["owner1"]), tender, db.session.get(Organization, world["org0"]), data)
        with pytest.raises(ServiceError) as refused:
            bids.submit_bid(user(world["owner0"]), tender, db.session.get(Organization, world["org0"]),
                               bids.BidData(SECRET, "", "计划", 100, [("x", 99)]))
        assert refused.value.code == "budget_lines_not_price" and refused.value.field == "budget_lines"
        with pytest.raises(ServiceError) as refused:
            bids.submit_bid(user(world["owner0"]), tender, db.session.get(Organization, world["org0"]),
                               bids.BidData(SECRET, "", "计划", 99_999_999, [("x", 99_999_999)]))
        assert refused.value.code == "price_out_of_range" and refused.value.field == "price"
    frozen.advance(days=21)
    with pytest.raises(ServiceError) as refused:
        bid(app, world, 0)
    assert refused.value.code == "bidding_closed"


def test_amending_gives_a_new_receipt_and_withdrawing_removes_the_bid(app, tender_world):
    world = tender_world
    world["tender"] = published_tender(app, world)
    first = bid(app, world, 0, 10_000_000)
    with command(app):
        old = db.session.get(Bid, first).digest
    bid(app, world, 0, 9_500_000)
    with command(app):
        amended = db.session.get(Bid, first)
        assert amended.version == 2 and amended.digest != old
        bids.withdraw_bid(user(world["owner0"]), db.session.get(Tender, world["tender"]),
                             db.session.get(Organization, world["org0"]))
        assert db.session.get(Bid, first).status == "withdrawn"


def test_first_bids_sent_twice_at_once_make_one_bid(app, tender_world):
    world = tender_world
    world["tender"] = published_tender(app, world)

    def send():
        tender = db.session.get(Tender, world["tender"])
        org = db.session.get(Organization, world["org0"])
        data = bids.BidData(SECRET, "", "计划", 100, [("x", 100)])
        return bids.submit_bid(db.session.get(User, world["owner0"]), tender, org, data)

    results = run_at_once(app, [send, send])
    with command(app):
        assert db.session.scalar(db.select(db.func.count(Bid.id))) == 1
    assert any(isinstance(r, Bid) for r in results), results


def test_unanswered_questions_block_the_opening_and_answers_hide_the_asker(app, tender_world, frozen, client):
    world = tender_world
    world["tender"] = published_tender(app, world)
    for n in range(3):
        bid(app, world, n)
    with command(app):
        tender = db.session.get(Tender, world["tender"])
        question = questions.ask(user(world["owner0"]), tender, world["org0"], "送餐是否包括周末？")
        question_id = question.id
    frozen.advance(days=22)
    with command(app):
        assert tenders.get_tender(None, world["tender"]).status == "bidding_closed"
        questions.answer(user(world["buyer"]), question_id, "仅工作日。")
        assert tenders.get_tender(None, world["tender"]).status == "opened"
    page = client.get(f"/procurement/tenders/{world['tender']}").get_data(as_text=True)
    assert (
        "送餐是否包括周末？" in page
        and "仅工作日。" in page
        and "社会组织0号" not in page.split("开标结果")[0].split("问题与答疑")[-1]
    )


def test_attachments_are_encrypted_on_disk(app, tender_world, client, login):
    world = tender_world
    world["tender"] = published_tender(app, world)
    login("org0@example.cn")
    response = client.submit(f"/procurement/tenders/{world['tender']}/bid/{world['org0']}", {
        "proposal": SECRET, "team": "社工", "delivery_plan": "每日配送", "price": "100000",
        "budget_lines": "人员：90000\n餐费：10000", "attachments": [(io.BytesIO(PDF), "方案.pdf")]},
        content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    receipt = client.get(response.location).get_data(as_text=True)
    assert "内容与回执一致" in receipt and SECRET in receipt

    folder = app.config["UPLOAD_DIR"]
    with command(app):
        (attachment,) = db.session.get(Bid, db.session.scalar(db.select(Bid.id))).attachments
        from pathlib import Path

        on_disk = Path(folder, attachment.stored_name).read_bytes()
        assert b"ATTACH-5512" not in on_disk and "附件".encode() not in on_disk
        attachment_id = attachment.id
    with client.get(f"/procurement/tenders/{world['tender']}/attachments/{attachment_id}") as download:
        assert download.data == PDF


def bid_fields(**extra):
    """The bid form as a bidder fills it in (price ¥100,000)."""
    return {"proposal": SECRET, "team": "社工", "delivery_plan": "每日配送", "price": "100000",
            "budget_lines": "人员：90000\n餐费：10000", **extra}


def sealed_files(app, world, n=0):
    """Organization n's bid: its version and its attachments' (id, name), each name as the sealed
    content records it, with the bytes its bidder reads back matching the sealed digest."""
    import hashlib

    from market.procurement import sealing

    with command(app):
        found = db.session.scalar(db.select(Bid).filter_by(tender_id=world["tender"], organization_id=world[f"org{n}"]))
        content = sealing.unseal(found.sealed)
        assert bids.verify(found)  # the receipt covers the attachments as submitted
        assert len(found.attachments) == len(content["attachments"])
        tender = db.session.get(Tender, world["tender"])
        for row, entry in zip(found.attachments, content["attachments"]):
            data = bids.attachment_bytes(user(world[f"owner{n}"]), tender, row.id)[1]
            assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        return found.version, [(row.id, entry["name"]) for row, entry in zip(found.attachments, content["attachments"])]


PNG = b"\x89PNG\r\n\x1a\n" + "方案配图ATTACH-0907".encode()


def test_an_amendment_keeps_the_attachments_unless_the_bidder_removes_them(app, tender_world, client, login, frozen):
    from pathlib import Path

    world = tender_world
    world["tender"] = published_tender(app, world)
    url = f"/procurement/tenders/{world['tender']}/bid/{world['org0']}"
    bid(app, world, 0)  # version 1, without files
    login("org0@example.cn")
    response = client.submit(url, bid_fields(attachments=[(io.BytesIO(PDF), "proposal.pdf")]),
                             content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    version, files = sealed_files(app, world)
    assert version == 2 and [name for _id, name in files] == ["proposal.pdf"]
    (proposal_id, _name), = files

    response = client.submit(url, bid_fields(), content_type="multipart/form-data")  # amended, nothing uploaded
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    assert sealed_files(app, world) == (3, [(proposal_id, "proposal.pdf")])
    assert "proposal.pdf" in client.get(response.location).get_data(as_text=True)
    form = client.get(url).get_data(as_text=True)  # the amend form shows what is attached, each removable
    assert "proposal.pdf" in form and f'name="remove_attachments" value="{proposal_id}"' in form

    response = client.submit(url, bid_fields(attachments=[(io.BytesIO(PNG), "plan.png")]),
                             content_type="multipart/form-data")  # a new file is added to the kept one
    assert response.status_code == 302
    version, files = sealed_files(app, world)
    assert version == 4 and [name for _id, name in files] == ["proposal.pdf", "plan.png"]

    folder = Path(app.config["UPLOAD_DIR"])
    before = sorted(p.name for p in folder.iterdir())
    response = client.submit(url, bid_fields(attachments=[(io.BytesIO(PDF), "a.pdf"), (io.BytesIO(PDF), "b.pdf")]),
                             content_type="multipart/form-data")  # two kept and two more: too many
    assert response.status_code == 200 and 'id="attachments-errors"' in response.get_data(as_text=True)
    assert sealed_files(app, world)[0] == 4 and sorted(p.name for p in folder.iterdir()) == before

    response = client.submit(url, bid_fields(remove_attachments=["999"]), content_type="multipart/form-data")
    assert response.status_code == 200 and sealed_files(app, world)[0] == 4  # not an attachment of this bid
    with command(app):
        proposal_file = db.session.get(BidAttachment, proposal_id).stored_name
    response = client.submit(url, bid_fields(remove_attachments=[str(proposal_id)]), content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    version, files = sealed_files(app, world)
    assert version == 5 and [name for _id, name in files] == ["plan.png"]
    assert not (folder / proposal_file).exists()
    assert "proposal.pdf" not in client.get(url).get_data(as_text=True)
    (plan_id, _name), = files

    bid(app, world, 1)
    bid(app, world, 2)
    frozen.advance(days=22)
    closed = client.get(url).get_data(as_text=True)  # bidding closed: what was sent still shows, not how to withdraw
    assert 'data-test="submitted"' in closed and "withdraw" not in closed
    client.submit("/logout", {})
    login("buyer@example.cn")
    with command(app):
        bid_id = db.session.scalar(
            db.select(Bid.id).filter_by(tender_id=world["tender"], organization_id=world["org0"])
        )
    page = client.get(f"/procurement/tenders/{world['tender']}/bids/{bid_id}").get_data(as_text=True)
    assert "plan.png" in page and "proposal.pdf" not in page and "内容与回执一致" in page
    with client.get(f"/procurement/tenders/{world['tender']}/attachments/{plan_id}") as download:
        assert download.status_code == 200 and download.data == PNG and download.mimetype == "image/png"
        assert "plan.png" in download.headers["Content-Disposition"]


def test_an_attachments_name_size_and_digest_are_sealed_until_the_opening(app, tender_world, client, login, frozen):
    import hashlib
    from pathlib import Path
    from urllib.parse import quote

    world = tender_world
    world["tender"] = published_tender(app, world)
    folder = Path(app.config["UPLOAD_DIR"])
    before = {p.name for p in folder.iterdir()} if folder.exists() else set()
    large = PDF + b"%" * 30_000  # a size of its own: on disk both are padded alike
    secret_names = ("服务方案ATTACH-NAME-3301.pdf", "测算表ATTACH-NAME-3302.pdf")
    login("org0@example.cn")
    url = f"/procurement/tenders/{world['tender']}/bid/{world['org0']}"
    response = client.submit(url, bid_fields(attachments=[(io.BytesIO(PDF), secret_names[0]),
                                                          (io.BytesIO(large), secret_names[1])]),
                             content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    hashes = [hashlib.sha256(data).hexdigest() for data in (PDF, large)]

    # Nothing in the database tells the names, the sizes or the digests ...
    with command(app):
        rows = db.session.execute(db.text("SELECT * FROM bid_attachment")).all()
        bid_rows = db.session.execute(db.text("SELECT * FROM bid")).all()
    assert len(rows) == 2
    cells = [bytes(v).decode("latin-1") if isinstance(v, (bytes, memoryview)) else str(v)
             for row in rows + bid_rows for v in row]
    for secret in (*secret_names, "ATTACH-NAME", "服务方案", *hashes, *(h[:16] for h in hashes)):
        assert not any(secret in cell for cell in cells), secret
    for row in rows:
        assert row._mapping["size_bytes"] == 0 and row._mapping["original_filename"] == "" \
            and row._mapping["sha256"] == "" and row._mapping["content_type"] == ""
    # ... nor the upload folder: random names, sealed bytes, one length for different sizes.
    new = sorted(folder.iterdir(), key=lambda p: p.name)
    new = [p for p in new if p.name not in before]
    assert sorted(p.name for p in new) == sorted(row._mapping["stored_name"] for row in rows)
    for path in new:
        assert not any(h[:16] in path.name for h in hashes) and "." not in path.name
        on_disk = path.read_bytes()
        assert b"ATTACH-5512" not in on_disk and b"%PDF" not in on_disk
        assert not any(h.encode() in on_disk for h in hashes)
    assert len({p.stat().st_size for p in new}) == 1

    # The bidder still sees its own attachments by name, on its bid and on the amend form.
    receipt = client.get(response.location).get_data(as_text=True)
    form = client.get(url).get_data(as_text=True)
    assert all(name in receipt and name in form for name in secret_names)
    ids = [row._mapping["id"] for row in sorted(rows, key=lambda r: r._mapping["id"])]
    client.submit("/logout", {})
    login("buyer@example.cn")  # the purchaser: sealed before the opening ...
    assert client.get(f"/procurement/tenders/{world['tender']}/attachments/{ids[0]}").status_code == 404

    bid(app, world, 1)
    bid(app, world, 2)
    frozen.advance(days=22)  # ... and after it, the names and the bytes as submitted
    page = client.get(response.location).get_data(as_text=True)
    assert all(name in page for name in secret_names) and hashes[1][:16] in page
    for attachment_id, name, data in zip(ids, secret_names, (PDF, large)):
        with client.get(f"/procurement/tenders/{world['tender']}/attachments/{attachment_id}") as download:
            assert download.status_code == 200 and download.data == data and download.mimetype == "application/pdf"
            assert quote(name) in download.headers["Content-Disposition"]


def test_an_attachment_stored_before_its_metadata_was_sealed_still_reads_and_an_amendment_seals_it(app, tender_world):
    """Rows saved the old way (name, size and digest in clear, unpadded file) keep working."""
    from werkzeug.datastructures import FileStorage

    from market.core import uploads
    from market.procurement import sealing

    world = tender_world
    world["tender"] = published_tender(app, world)
    bid_id = bid(app, world, 0)
    with command(app):
        found, tender = db.session.get(Bid, bid_id), db.session.get(Tender, world["tender"])
        old = uploads.store(FileStorage(io.BytesIO(PDF), filename="旧方案.pdf"), transform=sealing.seal_bytes)
        found.attachments.append(BidAttachment.from_stored(old))
        content = sealing.unseal(found.sealed)
        content["attachments"] = [{"name": "旧方案.pdf", "sha256": old.sha256}]
        found.sealed, found.digest = sealing.seal(content), sealing.digest(content)
        db.session.commit()
        owner, org = user(world["owner0"]), db.session.get(Organization, world["org0"])
        (before,) = bids.own_files(owner, tender, org.id)
        assert (before.name, before.size_bytes) == ("旧方案.pdf", len(PDF))
        assert bids.attachment_bytes(owner, tender, before.id)[1] == PDF
        data = bids.BidData(SECRET, "社工3名", "每日配送", 10_000_000, [("人员", 10_000_000)])
        bids.submit_bid(owner, tender, org, data)  # amended: the file stays, its metadata moves into the seal
        (row,) = db.session.get(Bid, bid_id).attachments
        assert (row.original_filename, row.size_bytes, row.sha256, row.content_type) == ("", 0, "", "")
        (after,) = bids.own_files(owner, tender, org.id)
        assert (after.id, after.name, after.sha256, after.size_bytes) == (before.id, "旧方案.pdf", old.sha256, len(PDF))
        assert bids.attachment_bytes(owner, tender, after.id)[1] == PDF and bids.verify(
            db.session.get(Bid, bid_id)
        )


ROLES = ("anonymous", "buyer@example.cn", "admin@example.cn", "expert@example.cn", "worker@example.cn",
         "resident@example.cn", "org1@example.cn", "org3@example.cn")


def test_nothing_of_a_sealed_bid_is_readable_by_anyone_else_anywhere(app, tender_world, login, client, whoosh):
    """Every GET route of the application, as every role but the bidder's, before opening (search on:
    nothing sealed is in its index)."""
    from market.search.indexing import drain

    world = tender_world
    app.config["API_RATE_ANONYMOUS"] = 10**6  # every API page is really read, not refused
    world["tender"] = published_tender(app, world)
    bid_id = bid(app, world, 0, price_fen=11_234_500, proposal=SECRET)
    with command(app):
        digest = db.session.get(Bid, bid_id).digest
    values = {"tender_id": world["tender"], "bid_id": bid_id, "organization_id": world["org0"],
              "attachment_id": 1, "catalog_id": 1, "need_id": 1, "request_id": world["request"], "hearing_id": 1,
              "community_id": 1, "street_id": 1, "district_id": 1, "user_id": world["buyer"], "document_id": 1,
              "photo_id": 1, "entry_id": 1, "token": "x", "kind": "csv", "filename": "css/market.css",
              "subject_type": "need", "subject_id": 1, "question_id": 1, "membership_id": 1, "grant_id": 1,
              "contract_id": 1, "milestone_id": 1, "file_id": 1, "scope": "community", "scope_id": 1,
              "rubric_id": 1, "evaluation_id": 1, "rating_id": 1, "application_id": 1, "department_id": 1,
              "round_id": 1, "proposal_id": 1, "donation_id": 1, "incubator_id": 1, "cohort_id": 1, "incubation_id": 1,
              "name": "opened-bids", "ocid": f"ocds-mkt0sz-tender-{world['tender']}",
              "problem_id": 1, "task": "dispatch", "rule_id": 1, "fmt": "json", "code": "sanitation",
              "service_request_id": "1", "problem_photo_id": 1, "task_list_id": 1, "admission_request_id": 1,
              "pushed_work_id": 1, "entrusted_agreement_id": 1, "direction": "of_community"}
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and rule.endpoint != "static":
            args = {name: values[name] for name in rule.arguments}
            with app.test_request_context():
                from flask import url_for

                urls.append(url_for(rule.endpoint, **args))
    assert any("/bids/" in u for u in urls) and any("/workspace" in u for u in urls)
    # Search (with an index), the open datasets as CSV and the API's pages, asked for the secret itself.
    urls += ["/search?q=机密方案", "/search?q=XYZ-7731", "/api/search?q=机密方案", "/open/tenders.csv",
             "/open/opened-bids.csv", "/api/v1/datasets/opened-bids", "/api/audit/events?per_page=100"]
    for role in ROLES:
        if role != "anonymous":
            login(role)
        for url in urls:
            body = client.get(url).get_data(as_text=True)
            for secret in (SECRET, "112,345.00", "11234500", "112345", digest):
                assert secret not in body, (role, url, secret)
        if role != "anonymous":
            client.submit("/logout", {})
    # The bidder itself can read it.
    login("org0@example.cn")
    assert SECRET in client.get(f"/procurement/tenders/{world['tender']}/bids/{bid_id}").get_data(as_text=True)
    drain(app)
    assert client.get("/api/search?q=机密方案").get_json()["total"] == 0  # the tender is found, its bid never
    assert client.get("/api/search?q=老年助餐").get_json()["total"] == 1
    app.config["API_RATE_ANONYMOUS"] = 60


def test_tender_list_filters(app, tender_world, client):
    tender_world["tender"] = published_tender(app, tender_world)
    page = client.get("/procurement/tenders?method=open_tender&min_budget=100000").get_data(as_text=True)
    assert "桐芳社区老年助餐服务项目" in page
    assert '<option value="open_tender" selected>' in page and 'value="100000"' in page  # the filter stays set
    assert "桐芳社区老年助餐服务项目" not in client.get("/procurement/tenders?max_budget=1000").get_data(as_text=True)
    assert "桐芳社区老年助餐服务项目" not in client.get("/procurement/tenders?status=opened").get_data(as_text=True)


def test_minimum_grade_unlocks_and_lapses_with_the_clock(app, tender_world, frozen):
    world = tender_world
    world["tender"] = published_tender(app, world, min_grade=3)
    with pytest.raises(ServiceError) as refused:
        bid(app, world, 0)
    assert refused.value.code == "not_eligible" and "grade_too_low" in refused.value.reasons
    assert "3A" in refused.value.message
    with command(app):
        org = db.session.get(Organization, world["org0"])
        undertakers.record_grade(user(world["admin"]), org, 4, date(2021, 12, 1))  # valid five years
    bid(app, world, 0)  # 4A unlocks it
    frozen.advance(days=10)  # 2026-12-02: the grade has lapsed
    with command(app):
        assert undertakers.current_grade(world["org0"]) is None
        tender = db.session.get(Tender, world["tender"])
        assert "本项目要求 3A 及以上等级。" in bids.eligibility_problems(
            db.session.get(Organization, world["org0"]), tender
        )


def _failed_tender(app, world, frozen):
    """A published tender with a single bid, failed at its opening."""
    world["tender"] = published_tender(app, world)
    bid(app, world, 0)
    frozen.advance(days=22)
    with command(app):
        assert tenders.get_tender(None, world["tender"]).status == "failed"


def test_a_failed_tender_runs_again_by_another_method(app, tender_world, frozen):
    world = tender_world
    _failed_tender(app, world, frozen)
    with command(app):
        failed = tenders.get_tender(None, world["tender"])
        with pytest.raises(ServiceError) as refused:
            tenders.rerun(user(world["buyer"]), failed, "competitive_consultation", "")
        assert refused.value.code == "rerun_reason_missing" and refused.value.field == "reason"
        again = tenders.rerun(user(world["buyer"]), failed, "competitive_consultation", "公开招标有效投标不足三家")
        assert (again.status, again.method, again.rerun_of_id, again.price_weight) == (
            "draft",
            "competitive_consultation",
            failed.id,
            30,
        )
        assert sum(c.points for c in again.criteria) + again.price_weight == 100


def test_bidders_are_told_when_bids_open(app, tender_world, frozen):
    from market.core import mail

    world = tender_world
    world["tender"] = published_tender(app, world)
    for n in range(3):
        bid(app, world, n)
    wants_each_mail(app, *(world[f"owner{n}"] for n in range(3)))
    frozen.advance(days=22)
    with command(app):  # the first reader after the deadline opens the bids; the mail leaves on commit
        tenders.get_tender(None, world["tender"])
    with app.test_request_context():
        subjects = sorted((m["to"], m["subject"]) for m in mail.outbox_messages())
    assert subjects == [(f"org{n}@example.cn", "“桐芳社区老年助餐服务项目”已开标") for n in range(3)]


def test_drafts_are_sealed_but_not_counted_and_the_form_amends_what_was_saved(app, tender_world, frozen, client, login):
    world = tender_world
    world["tender"] = published_tender(app, world)
    login("org0@example.cn")
    url = f"/procurement/tenders/{world['tender']}/bid/{world['org0']}"
    client.submit(url, {"proposal": SECRET, "team": "社工", "delivery_plan": "每日配送", "price": "100000.50",
                        "budget_lines": "人员：90000\n餐费：10000.50", "save_draft": "1"})
    with command(app):
        draft = db.session.scalar(db.select(Bid))
        assert draft.status == "draft" and SECRET.encode() not in draft.sealed
    form = client.get(url).get_data(as_text=True)
    assert SECRET in form and 'value="100000.50"' in form and "餐费：10000.50" in form
    bid(app, world, 1)
    bid(app, world, 2)
    frozen.advance(days=22)
    with command(app):
        tender = tenders.get_tender(None, world["tender"])
        assert tender.status == "failed"  # two submitted bids; the draft does not count
        assert db.session.scalar(db.select(Bid).filter_by(status="draft")).price_fen is None


def test_workspace_lists_only_tenders_the_organization_may_bid_on(app, tender_world, client, login, places):
    world = tender_world
    world["tender"] = published_tender(app, world)
    login("org0@example.cn")
    assert "桐芳社区老年助餐服务项目" in client.get("/procurement/workspace").get_data(as_text=True)
    client.submit("/logout", {})
    login("org3@example.cn")  # not in the undertaker catalog
    page = client.get("/procurement/workspace").get_data(as_text=True)
    assert "桐芳社区老年助餐服务项目" not in page
    # The street filter finds tenders serving that street's communities.
    with command(app):
        tender = db.session.get(Tender, world["tender"])
        from market.places.models import Community

        tender.communities = [db.session.get(Community, places["community"])]
        db.session.commit()
    assert "桐芳社区老年助餐服务项目" in client.get(f"/procurement/tenders?street={places['street']}").get_data(
        as_text=True
    )
    other_street = places["street"] + 1
    assert "桐芳社区老年助餐服务项目" not in client.get(f"/procurement/tenders?street={other_street}").get_data(
        as_text=True
    )


def test_changing_an_open_tender_returns_bids_and_extends_the_deadline(app, tender_world, frozen, client, login):
    from market.core import mail
    from market.procurement.models import TenderAmendment

    world = tender_world
    world["tender"] = published_tender(app, world)
    bid(app, world, 0)
    wants_each_mail(app, world["owner0"])
    frozen.advance(days=15)  # six days before the deadline
    with command(app):
        tender = db.session.get(Tender, world["tender"])
        data = tender_data(world, service_standards="每个工作日11点前送达，并增加周六送餐。")
        with pytest.raises(ServiceError) as refused:
            tenders.amend(user(world["buyer"]), tender, data)
        assert refused.value.code == "amendment_reason_missing" and refused.value.field == "reason"
    with app.test_request_context():
        tender = db.session.get(Tender, world["tender"])
        tenders.amend(
            user(world["buyer"]),
            tender,
            tender_data(world, service_standards="每个工作日11点前送达，并增加周六送餐。"),
            "增加周六送餐",
        )
        assert tender.bid_deadline == START + timedelta(days=35)  # 20 days from now, not the old date
        assert db.session.scalar(db.select(Bid)).status == "returned"
        amendment = db.session.scalar(db.select(TenderAmendment))
        assert (amendment.bids_returned, amendment.bid_deadline_before) == (1, START + timedelta(days=21))
        db.session.commit()  # the request's end: the mail leaves
        assert [m["subject"] for m in mail.outbox_messages()] == ["“桐芳社区老年助餐服务项目”已变更"]
    bid(app, world, 0)  # the bidder resubmits
    with command(app):
        assert db.session.scalar(db.select(Bid)).status == "submitted"
    page = client.get(f"/procurement/tenders/{world['tender']}").get_data(as_text=True)
    assert "发布后的变更" in page and "增加周六送餐" in page


def test_the_edit_page_changes_a_draft_freely(app, tender_world, client, login):
    with command(app):
        tender_id = tenders.create_tender(user(tender_world["buyer"]), tender_data(tender_world)).id
    login("buyer@example.cn")
    form = client.get(f"/procurement/tenders/{tender_id}/edit").get_data(as_text=True)
    assert 'value="120000"' in form and "服务方案：40" in form and 'value="2026-12-02T10:00"' in form


def test_the_periodic_command_advances_tenders_nobody_opened(app, tender_world, frozen):
    world = tender_world
    world["tender"] = published_tender(app, world)
    for n in range(3):
        bid(app, world, n)
    frozen.advance(days=22)  # past the deadline and the opening, on the injected clock
    result = app.test_cli_runner().invoke(args=["tasks", "run-due"])
    assert result.exit_code == 0 and "1 tenders advanced," in result.output
    with command(app):
        assert db.session.get(Tender, world["tender"]).status == "opened"
    assert "0 tenders advanced," in app.test_cli_runner().invoke(args=["tasks", "run-due"]).output


def test_a_tender_takes_its_catalog_items_minimum_grade_and_ungraded_bids_are_refused(app, tender_world, frozen, client,
                                                                                        login):
    world = tender_world
    with command(app):
        db.session.get(CatalogItem, world["item"]).min_grade = 3  # the item asks for 3A
        db.session.commit()
        buyer = user(world["buyer"])
        assert tenders.create_tender(buyer, tender_data(world, min_grade=0)).min_grade == 3  # raised to the item's
        assert tenders.create_tender(buyer, tender_data(world, min_grade=4)).min_grade == 4  # stricter stays
    world["tender"] = published_tender(app, world)  # min_grade left at 0 by the purchaser
    with pytest.raises(ServiceError) as refused:
        bid(app, world, 0)  # an ungraded organization never gets into the ranking
    assert refused.value.code == "not_eligible" and "grade_too_low" in refused.value.reasons
    assert "3A" in refused.value.message
    with command(app):
        undertakers.record_grade(user(world["admin"]), db.session.get(Organization, world["org1"]), 2,
                                 date(2026, 1, 1))
    with pytest.raises(ServiceError) as refused:
        bid(app, world, 1)  # 2A is below it
    assert refused.value.code == "not_eligible" and "grade_too_low" in refused.value.reasons
    assert "3A" in refused.value.message
    with command(app):
        undertakers.record_grade(user(world["admin"]), db.session.get(Organization, world["org2"]), 3,
                                 date(2026, 1, 1))
    bid(app, world, 2)
    with command(app):  # a tender saved before it took the item's grade still holds bidders to it
        db.session.get(Tender, world["tender"]).min_grade = 0
        db.session.commit()
        assert bids.required_grade(db.session.get(Tender, world["tender"])) == 3
    with pytest.raises(ServiceError) as refused:
        bid(app, world, 0)
    assert refused.value.code == "not_eligible" and "grade_too_low" in refused.value.reasons
    assert "3A" in refused.value.message
    page = client.get(f"/procurement/tenders/{world['tender']}").get_data(as_text=True)
    assert 'data-test="min-grade">3A<' in page
    login("buyer@example.cn")
    assert "居家养老上门服务 · ≥3A" in client.get("/procurement/tenders/new").get_data(as_text=True)


def test_quotation_and_negotiation_are_decided_on_price_alone(app, tender_world, frozen, client, login):
    from market.procurement import awards

    world = tender_world
    with command(app):
        buyer = user(world["buyer"])
        for method in ("request_for_quotation", "competitive_negotiation"):
            for weight, criteria in ((0, [("服务方案", 100)]), (None, [("服务方案", 100)]), (30, [("服务方案", 70)])):
                with pytest.raises(ServiceError) as refused:
                    tenders.create_tender(buyer, tender_data(world, method=method, price_weight=weight,
                                                             criteria=criteria))
                assert refused.value.code == "price_alone_method" and refused.value.field == "price_weight"
            with pytest.raises(ServiceError) as refused:  # price alone: no criteria beside it
                tenders.create_tender(buyer, tender_data(world, method=method, price_weight=100,
                                                         criteria=[("服务方案", 10)]))
            assert refused.value.field == "criteria"
    # The form says it next to the price weight.
    login("buyer@example.cn")
    form = {"catalog_item_id": str(world["item"]), "title": "桐芳社区老年助餐服务项目", "description": "午餐配送。",
            "service_standards": "热食。", "budget_ceiling": "120000", "contract_months": "12",
            "method": "request_for_quotation", "price_weight": "0", "criteria": "服务方案：100",
            "questions_deadline": "2026-12-02T10:00", "bid_deadline": "2026-12-13T10:00",
            "opening_at": "2026-12-13T12:00", "min_grade": "0"}
    page = client.submit("/procurement/tenders/new", form).get_data(as_text=True)
    assert 'id="price_weight-errors"' in page and 'id="criteria-errors"' not in page
    response = client.submit("/procurement/tenders/new", {**form, "price_weight": "100", "criteria": ""})
    assert response.status_code == 302  # no criteria needed when price alone decides
    client.submit("/logout", {})
    # Run through: the lowest price among the qualified bids ranks first, on price alone.
    world["tender"] = published_tender(app, world, method="request_for_quotation", price_weight=100, criteria=[])
    prices = {0: 10_000_000, 1: 9_000_000, 2: 12_000_000}
    bids = {n: bid(app, world, n, price) for n, price in prices.items()}
    with command(app):
        awards.add_expert(user(world["buyer"]), db.session.get(Tender, world["tender"]), user(world["expert"]))
    frozen.advance(days=22)
    with command(app):
        tender = tenders.get_tender(None, world["tender"])
        awards.declare(user(world["expert"]), tender, {b: (False, "") for b in bids.values()})
        ranking = awards.complete(user(world["buyer"]), tender)
        assert [(r.bid_id, r.total) for r in ranking] == [(bids[1], "100.00"), (bids[0], "90.00"), (bids[2], "75.00")]


def test_a_failed_tender_run_again_by_quotation_drops_its_criteria(app, tender_world, frozen):
    world = tender_world
    _failed_tender(app, world, frozen)
    with command(app):
        failed = tenders.get_tender(None, world["tender"])
        again = tenders.rerun(
            user(world["buyer"]), failed, "request_for_quotation", "公开招标有效投标不足三家，改为询价"
        )
        assert again.price_weight == 100 and again.criteria == []
        again.questions_deadline = frozen.now() + timedelta(days=2)
        again.bid_deadline = again.opening_at = frozen.now() + timedelta(days=10)
        tenders.publish(user(world["buyer"]), again)
        assert again.status == "published"


def test_the_tender_page_offers_what_the_service_allows_and_says_why_not(app, tender_world, frozen, client, login):
    """One declaration (procurement/actions.py) answers for the services and the page alike."""
    from market.procurement.actions import TENDER_ACTIONS

    world = tender_world
    world["tender"] = published_tender(app, world)
    with command(app):
        tender = db.session.get(Tender, world["tender"])
        buyer = TENDER_ACTIONS.of(user(world["buyer"]), tender)
        assert buyer.allowed() == ["change", "amend", "form_panel", "cancel"]
        assert buyer.shown_refusal("publish") and not buyer.can("award")  # the buyer is told why
        bidder = TENDER_ACTIONS.of(user(world["owner0"]), tender)
        assert bidder.allowed() == ["ask", "bid"]
        assert bidder.shown_refusal("publish") == ""  # not the bidder's to do: nothing to explain
    frozen.advance(days=22)  # past the deadline: bidding is closed
    login("org0@example.cn")
    page = client.get(f"/procurement/tenders/{world['tender']}").get_data(as_text=True)
    assert re.search(r'data-test="why-not-bid">[^<]+<', page) and "Bid or amend" not in page
    assert f"/procurement/tenders/{world['tender']}/bid/" not in page
    with command(app), pytest.raises(ServiceError) as refused:
        TENDER_ACTIONS.require(user(world["owner0"]), db.session.get(Tender, world["tender"]), "bid")
    assert refused.value.code == "bidding_closed"


def test_a_tender_form_with_several_mistakes_hears_of_all_of_them_at_once(app, tender_world, client, login):
    """Every problem of the form, each at its field (GOV.UK's error summary lists them at the top)."""
    world = tender_world
    with command(app), pytest.raises(Invalid) as refused:
        tenders.create_tender(user(world["buyer"]), tender_data(
            world, title="助餐", budget_ceiling_fen=0, price_weight=30, criteria=[("服务方案", 40)],
            bid_deadline=START + timedelta(days=5)))
    assert [(e.field, e.code) for e in refused.value.errors] == [
        ("title", "refused"), ("budget_ceiling", "refused"), ("criteria", "points_not_100"),
        ("bid_deadline", "deadlines_out_of_order")]
    assert refused.value.code == "refused" and refused.value.field == "title"
    # One mistake alone is refused as itself, as before.
    with command(app), pytest.raises(ServiceError) as alone:
        tenders.create_tender(user(world["buyer"]), tender_data(world, budget_ceiling_fen=0))
    assert not isinstance(alone.value, Invalid) and alone.value.field == "budget_ceiling"


def test_a_page_reached_without_the_role_says_why(app, tender_world, client, login):
    """403 with the reason in words, never a bare refusal (nor a 500)."""
    world = tender_world
    tender_id = published_tender(app, world)
    login("org0@example.cn")
    review = client.get(f"/procurement/tenders/{tender_id}/review")
    assert review.status_code == 403 and "只有本项目评审小组的专家" in review.get_data(as_text=True)
    edit = client.get(f"/procurement/tenders/{tender_id}/edit")
    assert edit.status_code == 403 and "只有本部门的购买主体人员" in edit.get_data(as_text=True)
