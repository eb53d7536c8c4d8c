"""Institutions managed by admins (pages, CSV import, `flask institutions`), and where they are chosen."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Institution, InstitutionKind, Region
from app.services import institutions
from tests import factories
from tests.conftest import csrf_token_from


@pytest.fixture(autouse=True)
def english(client):
    """Pages in English, so messages can be asserted as written; commands speak the default (ru)."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


def names() -> list[str]:
    return [i.name for i in institutions.list_institutions()]


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(Institution))


def test_an_admin_adds_an_institution_and_learners_and_instructors_can_choose_it(client, auth, post_form):
    auth.login(role="admin")
    response = post_form("/admin/institutions", {"name": "  Нарынская   областная библиотека ",
                                                 "kind": "library", "region": "naryn"})
    assert response.status_code == 302
    inst = db.session.scalar(select(Institution))
    assert (inst.name, inst.kind, inst.region) == ("Нарынская областная библиотека", InstitutionKind.LIBRARY,
                                                   Region.NARYN)
    page = client.get("/admin/institutions").get_data(as_text=True)
    assert "Нарынская областная библиотека" in page

    # The same name in another case is the same institution: refused, with the reason.
    response = post_form("/admin/institutions", {"name": "НАРЫНСКАЯ ОБЛАСТНАЯ БИБЛИОТЕКА", "kind": "library",
                                                 "region": "naryn"})
    assert response.status_code == 400 and "already exists" in response.get_data(as_text=True)
    assert count() == 1

    # The forms that offer institutions list it: a new group, the registration, the profile.
    auth.logout()
    auth.login(role="instructor")
    assert "Нарынская областная библиотека" in client.get("/teach/cohorts/new").get_data(as_text=True)
    assert "Нарынская областная библиотека" in client.get("/profile").get_data(as_text=True)
    auth.logout()
    assert f'value="{inst.id}"' in client.get("/register").get_data(as_text=True)


def test_registration_stores_the_chosen_institution(client):
    inst = factories.make_institution("Ошский государственный университет", Region.OSH_CITY)
    db.session.commit()
    token = csrf_token_from(client.get("/register").get_data(as_text=True))
    response = client.post("/register", data={
        "name": "Айбек", "email": "aibek@example.kg", "password": factories.PASSWORD,
        "confirm": factories.PASSWORD, "institution": str(inst.id), "locale": "ru", "csrf_token": token})
    assert response.status_code == 302
    assert factories.find_user("aibek@example.kg").institution_id == inst.id


def test_a_learner_sets_and_clears_their_institution_on_the_profile(client, auth, post_form):
    inst = factories.make_institution("Таласский государственный университет", Region.TALAS)
    db.session.commit()
    user = auth.login(role="learner")
    assert post_form("/profile", {"name": user.name, "institution": str(inst.id), "locale": "en"}).status_code == 302
    db.session.expire_all()
    assert factories.find_user(user.email).institution_id == inst.id
    page = client.get("/profile").get_data(as_text=True)
    assert f'<option selected value="{inst.id}">' in page or f'value="{inst.id}" selected' in page
    assert post_form("/profile", {"name": user.name, "institution": "0", "locale": "en"}).status_code == 302
    db.session.expire_all()
    assert factories.find_user(user.email).institution_id is None
    # An institution that is not on the list is refused, and nothing changes.
    response = post_form("/profile", {"name": "Other", "institution": "999", "locale": "en"})
    assert response.status_code == 200 and "Not a valid choice" in response.get_data(as_text=True)
    db.session.expire_all()
    assert factories.find_user(user.email).name == user.name


def test_adding_and_editing_an_institution_say_so_or_put_the_refusal_on_the_name(client, auth, post_form):
    taken = factories.make_institution("КНУ")
    db.session.commit()
    auth.login(role="admin")
    added = post_form("/admin/institutions", {"name": "Ошская библиотека", "kind": "library", "region": "osh"},
                      follow_redirects=True)
    assert added.request.path == "/admin/institutions"
    assert "“Ошская библиотека” is added." in added.get_data(as_text=True)
    new = institutions.find_by_name("Ошская библиотека")
    saved = post_form(f"/admin/institutions/{new.id}", {"name": "Ошская областная библиотека", "kind": "library",
                                                        "region": "osh"}, follow_redirects=True)
    assert "“Ошская областная библиотека” is saved." in saved.get_data(as_text=True)
    refused = post_form(f"/admin/institutions/{new.id}", {"name": "кну", "kind": "library", "region": "osh"})
    assert refused.status_code == 400 and "already exists" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Institution, new.id).name == "Ошская областная библиотека" and taken.name == "КНУ"


def test_a_kind_is_named_by_code_or_label_in_any_language_and_an_unknown_one_lists_the_codes(app):
    assert institutions.parse_kind(" LIBRARY ") is InstitutionKind.LIBRARY
    assert institutions.parse_region("Чуйская область") is Region.CHUY
    with pytest.raises(institutions.InstitutionError) as refused:
        institutions.parse_kind("zoo")
    assert str(refused.value) == "Неизвестный тип «zoo». Используйте код: university, library, school, other."


def test_rename_keeps_people_and_delete_is_refused_while_in_use(client, auth, post_form):
    used = factories.make_institution("КНУ")
    unused = factories.make_institution("Пустой институт")
    learner = factories.make_user(institution=used)
    db.session.commit()
    auth.login(role="admin")
    response = post_form(f"/admin/institutions/{used.id}", {"name": "КНУ им. Ж. Баласагына", "kind": "university",
                                                            "region": "bishkek"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Institution, used.id).name == "КНУ им. Ж. Баласагына"
    assert factories.find_user(learner.email).institution_id == used.id

    response = post_form(f"/admin/institutions/{used.id}/delete", {}, token_page="/admin/institutions",
                         follow_redirects=True)
    assert "is in use (people: 1" in response.get_data(as_text=True)
    assert db.session.get(Institution, used.id) is not None

    response = post_form(f"/admin/institutions/{unused.id}/delete", {}, token_page="/admin/institutions")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Institution, unused.id) is None


def test_an_institution_in_a_coordinators_scope_cannot_be_deleted(app):
    from app.services import coordinator

    inst = factories.make_institution("Иссык-Кульский университет", Region.ISSYK_KUL)
    coord = factories.make_user(role="coordinator")
    coordinator.set_coordinator_scope(coord, institutions=[inst], all_institutions=False)
    db.session.commit()
    try:
        institutions.delete_institution(inst)
    except institutions.InstitutionError as exc:
        assert "координаторов: 1" in str(exc)  # outside a request: the default language
    else:
        raise AssertionError("deleted an institution a coordinator is given")


GOOD_CSV = ("\ufeffname;kind;region\n"
            "Национальная библиотека Кыргызской Республики;library;bishkek\n"
            "Баткенский государственный университет;Университет;Баткенская область\n"
            "\n"
            "\"Библиотека «Манас»; филиал\";Library;Chüy Region\n").encode("utf-8")


def test_csv_import_adds_then_updates_by_name(client, auth):
    auth.login(role="admin")
    token = csrf_token_from(client.get("/admin/institutions").get_data(as_text=True))
    response = client.post("/admin/institutions/import", data={
        "file": (io.BytesIO(GOOD_CSV), "list.csv"), "csrf_token": token}, follow_redirects=True)
    assert "3 added, 0 updated, 0 unchanged" in response.get_data(as_text=True)
    batken = institutions.find_by_name("Баткенский государственный университет")
    assert (batken.kind, batken.region) == (InstitutionKind.UNIVERSITY, Region.BATKEN)
    assert institutions.find_by_name("библиотека «манас»; филиал").region is Region.CHUY

    again = "name,region,kind\nНациональная библиотека Кыргызской Республики,bishkek,other\n"
    result = institutions.import_csv(again.encode())
    assert (result.added, result.updated, result.unchanged) == ([], ["Национальная библиотека Кыргызской Республики"], [])
    db.session.commit()
    assert count() == 3


def test_csv_import_with_bad_lines_imports_nothing_and_names_every_bad_line(app, client, auth):
    factories.make_institution("Уже есть")
    db.session.commit()
    bad = ("name,kind,region\n"
           "Хорошая библиотека,library,talas\n"        # line 2: fine
           ",library,talas\n"                          # line 3: no name
           "Плохой регион,library,Москва\n"            # line 4: unknown region
           "Плохой тип,museum,osh\n"                   # line 5: unknown kind
           "хорошая  библиотека,school,osh\n"          # line 6: repeats line 2
           "Короткая строка,library\n"                 # line 7: a column short
           f"{'Я' * 201},library,osh\n")               # line 8: too long
    with app.test_request_context(headers={"Accept-Language": "en"}):
        result = institutions.import_csv(bad.encode("utf-8"))
    assert [e.split(":")[0] for e in result.errors] == [f"line {n}" for n in (3, 4, 5, 6, 7, 8)]
    assert "Москва" in result.errors[1] and "museum" in result.errors[2] and "line 2" in result.errors[3]
    db.session.rollback()
    assert names() == ["Уже есть"]

    auth.login(role="admin")
    token = csrf_token_from(client.get("/admin/institutions").get_data(as_text=True))
    response = client.post("/admin/institutions/import", data={
        "file": (io.BytesIO(bad.encode("utf-8")), "list.csv"), "csrf_token": token})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Nothing was imported" in page and "line 4:" in page
    assert names() == ["Уже есть"]


def test_csv_import_refuses_files_that_are_not_utf8_or_lack_columns(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        result = institutions.import_csv("name,kind,region\nБиблиотека,library,osh\n".encode("cp1251"))
        assert result.errors == ["line 2: the file is not UTF-8 text; save it as “CSV UTF-8”."]
        result = institutions.import_csv(b"title,kind\nX,library\n")
        assert result.errors == ["line 1: the header row lacks the columns: name, region."]
        assert institutions.import_csv(b"").errors and count() == 0


def test_flask_institutions_commands(runner, tmp_path):
    result = runner.invoke(args=["institutions", "add", "Жалал-Абадский университет", "--kind", "university",
                                 "--region", "Джалал-Абадская область"])
    assert result.exit_code == 0, result.output
    assert institutions.find_by_name("Жалал-Абадский университет").region is Region.JALAL_ABAD
    result = runner.invoke(args=["institutions", "add", "жалал-абадский университет", "--kind", "library",
                                 "--region", "osh"])
    assert result.exit_code == 1 and "уже существует" in result.output
    result = runner.invoke(args=["institutions", "add", "X", "--kind", "library", "--region", "mars"])
    assert result.exit_code == 1 and "Неизвестный регион «mars»" in result.output and count() == 1

    path = tmp_path / "list.csv"
    path.write_bytes(GOOD_CSV)
    result = runner.invoke(args=["institutions", "import", str(path)])
    assert result.exit_code == 0 and "3 added" in result.output
    path.write_text("name,kind,region\nНовая,library,nowhere\n", encoding="utf-8")
    result = runner.invoke(args=["institutions", "import", str(path)])
    assert result.exit_code == 1 and "строка 2: Неизвестный регион" in result.output and count() == 4

    listed = runner.invoke(args=["institutions", "list"]).output.splitlines()
    assert listed[0].startswith("Баткенский государственный университет\tuniversity\tbatken")
    result = runner.invoke(args=["institutions", "edit", "Жалал-Абадский университет", "--name", "ЖАГУ"])
    assert result.exit_code == 0 and institutions.find_by_name("ЖАГУ") is not None
    assert runner.invoke(args=["institutions", "delete", "ЖАГУ"]).exit_code == 0 and count() == 3
    regions = runner.invoke(args=["institutions", "regions"]).output
    assert "chuy\tЧуйская область\t" in regions and "Chüy Region" in regions


def test_institutions_are_listed_in_kyrgyz_alphabetical_order(app):
    for name in ("Үркүнчү", "Уюм", "Өрнөк", "Оомат", "Ясли", "Ёлка", "Ель", "Ңоо", "Нарын", "Abc"):
        factories.make_institution(name)
    assert names() == ["Abc", "Ель", "Ёлка", "Нарын", "Ңоо", "Оомат", "Өрнөк", "Уюм", "Үркүнчү", "Ясли"]


def test_merging_moves_people_groups_and_coordinators_then_deletes_the_duplicate(client, auth, post_form, runner):
    from app.models.cohorts import Cohort
    from app.services import cohorts, coordinator

    short, full = factories.make_institution("КНУ"), factories.make_institution("Кыргызский национальный университет")
    other = factories.make_institution("ОшГУ")
    learners = [factories.make_user(institution=short) for _ in range(2)]
    teacher = factories.make_user(role="instructor")
    group = cohorts.create_cohort(teacher, name="1 курс", term=None, institution_id=short.id)
    both = factories.make_user(role="coordinator")
    coordinator.set_coordinator_scope(both, institutions=[short, full], all_institutions=False)
    one = factories.make_user(role="coordinator")
    coordinator.set_coordinator_scope(one, institutions=[short, other], all_institutions=False)
    db.session.commit()
    short_id, full_id = short.id, full.id

    auth.login(role="admin")
    page = client.get(f"/admin/institutions/{short_id}").get_data(as_text=True)
    assert "Merge into" in page
    response = post_form(f"/admin/institutions/{short_id}/merge", {"target": str(full_id)},
                         token_page=f"/admin/institutions/{short_id}", follow_redirects=True)
    assert "“КНУ” is merged into “Кыргызский национальный университет”; 2 people moved." in response.get_data(as_text=True)
    assert db.session.get(Institution, short_id) is None
    assert {factories.find_user(u.email).institution_id for u in learners} == {full_id}
    assert db.session.get(Cohort, group.id).institution_id == full_id
    assert coordinator.coordinator_scope(both) == {full_id}
    assert coordinator.coordinator_scope(one) == {full_id, other.id}

    # Into itself, or a name that does not exist: refused.
    assert post_form(f"/admin/institutions/{full_id}/merge", {"target": str(full_id)},
                     token_page=f"/admin/institutions/{full_id}").status_code == 302
    assert db.session.get(Institution, full_id) is not None
    assert runner.invoke(args=["institutions", "merge", "ОшГУ", "Нет такого"]).exit_code == 1
    result = runner.invoke(args=["institutions", "merge", "ОшГУ", "кыргызский национальный университет"])
    assert result.exit_code == 0 and coordinator.coordinator_scope(one) == {full_id}
    assert names() == ["Кыргызский национальный университет"]
