"""White label (issue 18.1): an agency's brand on its clients' pages and emails, its logo, its own host."""

from __future__ import annotations

import io
import re
import struct
import zlib

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from accounts.contrast import check_brand_colour, contrast_ratio, tint_readable_on
from accounts.models import Agency, AgencyRole
from tests.factories import AgencyMembershipFactory, UserFactory, WorkspaceFactory, WorkspaceMembershipFactory

HOST = "reports.acme-agency.example"
GOOD = {
    "brand_name": "Acme Growth",
    "brand_primary_colour": "#1F4E99",
    "brand_accent_colour": "#8a3ffc",
    "email_sender_name": "Acme Growth reports",
    "email_reply_to": "hello@acme-growth.example",
    "custom_host": "",
}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, HOST]


def png_bytes(size=(1280, 640), colour=(200, 30, 30, 255), **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, colour).save(out, format="PNG", **save)
    return out.getvalue()


def upload(data: bytes, name="logo.png", content_type="image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def brand_agency(agency: Agency, **fields) -> Agency:
    values = {**GOOD, "brand_primary_colour": "#1f4e99", **fields}
    for name, value in values.items():
        setattr(agency, name, (value or None) if name == "custom_host" else value)
    agency.save()
    return agency


def post_brand(client, agency, **overrides):
    return client.post(f"/agency/{agency.slug}/brand/", {**GOOD, **overrides})


# Contrast -----------------------------------------------------------------------------------------


def test_contrast_ratio_of_known_pairs():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1)
    # WCAG's often quoted threshold grey: #767676 on white is 4.54:1 (passes AA on white).
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.005)
    assert contrast_ratio("#767676", "#ffffff") == contrast_ratio("#ffffff", "#767676")


def test_dark_mode_links_use_the_least_white_tint_of_the_brand_that_reads_on_the_dark_page():
    # Black mixed with 5 % steps of white is the grey #0d0d0d, #1a1a1a, …; on black the first grey
    # at 4.5:1 or more: #595959 (35 %) is 3.0:1, #737373 (45 %) 4.4:1, so #808080 (50 %) at 5.3:1.
    assert tint_readable_on("#000000", "#000000") == "#808080"
    assert contrast_ratio("#737373", "#000000") < 4.5 <= contrast_ratio("#808080", "#000000")
    # A colour that already reads there is kept; none that never does falls back to white.
    assert tint_readable_on("#ffffff", "#000000") == "#ffffff"
    assert tint_readable_on("#1f4e99", "#ffffff") == "#1f4e99"


def test_a_colour_must_hold_4_5_on_white_and_on_the_page_background():
    check_brand_colour("#1f4e99", "primary")  # 8.05:1 on white
    check_brand_colour("#3b5bdb", "primary")  # the product's own --brand
    # #767676 passes on white (4.54) but not as link text on the grey page background (4.24).
    with pytest.raises(Exception, match=r"4\.54:1 with white text.*4\.24:1 as text on the page background"):
        check_brand_colour("#767676", "primary")


def test_a_low_contrast_colour_is_a_form_error_saying_the_ratio(agency_owner, client_for, workspace):
    response = post_brand(client_for(agency_owner), workspace.agency, brand_primary_colour="#ffcc00")
    assert response.status_code == 400
    error = " ".join(response.context["form"].errors["brand_primary_colour"])
    assert "1.51:1 with white text" in error and "4.5:1" in error
    workspace.agency.refresh_from_db()
    assert workspace.agency.brand_name == ""  # nothing half-written
    assert "<title>Brand · " in response.content.decode() and "· Pulse KPI</title>" in response.content.decode()


@pytest.mark.parametrize("value", ["blue", "#12345", "#gggggg", "1f4e99"])
def test_a_colour_that_is_not_hex_is_a_form_error(agency_owner, client_for, workspace, value):
    response = post_brand(client_for(agency_owner), workspace.agency, brand_accent_colour=value)
    assert response.status_code == 400
    assert "six hex digits" in " ".join(response.context["form"].errors["brand_accent_colour"])


# Logo uploads --------------------------------------------------------------------------------------


def test_a_real_png_is_accepted_re_encoded_downscaled_and_stripped(agency_owner, client_for, workspace):
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "secret author note")
    response = post_brand(client_for(agency_owner), workspace.agency, logo=upload(png_bytes(pnginfo=info)))
    assert response.status_code == 302
    agency = Agency.objects.get(pk=workspace.agency.pk)
    name = agency.brand_logo.name
    assert re.fullmatch(r"brand/[A-Za-z0-9_-]{24}\.png", name), name
    with default_storage.open(name) as stored:
        image = Image.open(stored)
        image.load()
    assert image.format == "PNG"
    assert image.size == (640, 320)  # 1280×640 fitted into 640×320
    assert "Comment" not in image.info and image.getpixel((10, 10)) == (200, 30, 30, 255)
    # Served under MEDIA_URL (Django serves it unless SERVE_MEDIA is off).
    logo = Client().get(agency.brand_logo.url)
    assert logo.status_code == 200 and logo["Content-Type"] == "image/png"


def test_a_jpeg_loses_its_exif_and_becomes_a_png(agency_owner, client_for, workspace):
    exif = Image.Exif()
    exif[0x010E] = "camera owner's description"  # ImageDescription
    out = io.BytesIO()
    Image.new("RGB", (300, 100), (20, 40, 200)).save(out, format="JPEG", exif=exif)
    response = post_brand(
        client_for(agency_owner), workspace.agency, logo=upload(out.getvalue(), "l.jpg", "image/jpeg")
    )
    assert response.status_code == 302
    agency = Agency.objects.get(pk=workspace.agency.pk)
    with default_storage.open(agency.brand_logo.name) as stored:
        image = Image.open(stored)
        image.load()
    assert image.format == "PNG" and image.size == (300, 100)
    assert not image.getexif() and "exif" not in image.info


def test_an_svg_is_refused(agency_owner, client_for, workspace):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    response = post_brand(client_for(agency_owner), workspace.agency, logo=upload(svg, "logo.svg", "image/svg+xml"))
    assert response.status_code == 400
    assert "SVG and other formats are refused" in " ".join(response.context["form"].errors["logo"])
    agency = Agency.objects.get(pk=workspace.agency.pk)
    assert not agency.brand_logo and agency.brand_name == ""


def test_a_gif_is_refused(agency_owner, client_for, workspace):
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, format="GIF")
    response = post_brand(client_for(agency_owner), workspace.agency, logo=upload(out.getvalue(), "l.png"))
    assert response.status_code == 400
    assert "PNG, JPEG or WebP" in " ".join(response.context["form"].errors["logo"])


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def test_a_decompression_bomb_is_refused_before_decoding(agency_owner, client_for, workspace):
    # A 300-byte PNG declaring 60000×60000 pixels (3.6 billion): refused from its header alone.
    header = struct.pack(">IIBBBBB", 60000, 60000, 1, 0, 0, 0, 0)
    bomb = (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"\0" * 7501))
        + _chunk(b"IEND", b"")
    )
    assert len(bomb) < 400
    response = post_brand(client_for(agency_owner), workspace.agency, logo=upload(bomb))
    assert response.status_code == 400
    assert "larger than 4096×4096" in " ".join(response.context["form"].errors["logo"])


def test_an_image_over_the_pixel_limit_is_refused(agency_owner, client_for, workspace):
    response = post_brand(client_for(agency_owner), workspace.agency, logo=upload(png_bytes((5000, 10))))
    assert response.status_code == 400
    assert "5000×10 pixels; the limit is 4096×4096" in " ".join(response.context["form"].errors["logo"])


def test_a_file_over_2_mb_is_refused(agency_owner, client_for, workspace):
    big = png_bytes((16, 16)) + b"\0" * (2 * 1024 * 1024)
    response = post_brand(client_for(agency_owner), workspace.agency, logo=upload(big))
    assert response.status_code == 400
    assert "a logo may be at most 2 MB" in " ".join(response.context["form"].errors["logo"])


def test_a_truncated_png_is_refused(agency_owner, client_for, workspace):
    data = png_bytes((200, 200), colour=(1, 2, 3, 255))
    response = post_brand(client_for(agency_owner), workspace.agency, logo=upload(data[: len(data) // 2]))
    assert response.status_code == 400
    assert response.context["form"].errors["logo"]


def test_a_workspace_logo_replaces_the_agency_logo_and_the_old_file_goes(
    agency_owner, client_for, workspace, django_capture_on_commit_callbacks
):
    client = client_for(agency_owner)
    post_brand(client, workspace.agency, logo=upload(png_bytes((100, 50))))
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            client.post(f"/w/{workspace.slug}/settings/logo/", {"logo": upload(png_bytes((80, 40)))}).status_code == 302
        )
    workspace.refresh_from_db()
    first = workspace.brand_logo.name
    page = client.get(f"/w/{workspace.slug}/").content.decode()
    assert f'src="/media/{first}"' in page and workspace.agency.brand_logo.name not in page
    assert f'<link rel="icon" href="/media/{first}" type="image/png">' in page  # not the product's mark
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/w/{workspace.slug}/settings/logo/", {"logo": upload(png_bytes((60, 30)))})
    workspace.refresh_from_db()
    assert workspace.brand_logo.name != first and not default_storage.exists(first)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/w/{workspace.slug}/settings/logo/", {"remove_logo": "on"}).status_code == 302
    workspace.refresh_from_db()
    assert not workspace.brand_logo


def test_a_workspace_logo_post_without_a_file_is_a_form_error(agency_owner, client_for, workspace):
    response = client_for(agency_owner).post(f"/w/{workspace.slug}/settings/logo/", {})
    assert response.status_code == 400
    assert "Choose an image to upload" in response.content.decode()


# The brand on pages --------------------------------------------------------------------------------


def test_a_branded_workspace_shows_the_agency_brand_and_no_product_name(agency_owner, client_for, workspace):
    brand_agency(workspace.agency)
    client = client_for(agency_owner)
    for url in (f"/w/{workspace.slug}/", f"/w/{workspace.slug}/report/", f"/w/{workspace.slug}/integrations/"):
        response = client.get(url)
        html = response.content.decode()
        assert response.status_code == 200, url
        assert "Pulse KPI" not in html and "Pulse<span>KPI" not in html, url
        assert re.search(r"<title>[^<]* · Acme Growth</title>", html), url
        nonce = re.search(
            r'<style nonce="([^"]+)">:root \{ --brand:#1f4e99;--link-dark:#[0-9a-f]{6};--accent:#8a3ffc; \}</style>',
            html,
        )
        assert nonce and f"'nonce-{nonce.group(1)}'" in response["Content-Security-Policy"], url


def test_an_unbranded_workspace_keeps_the_product_brand_without_inline_style(agency_owner, client_for, workspace):
    response = client_for(agency_owner).get(f"/w/{workspace.slug}/")
    html = response.content.decode()
    assert "<title>" in html and "· Pulse KPI</title>" in html and "<style" not in html
    assert "nonce-" not in response["Content-Security-Policy"]


def test_the_agency_pages_show_its_brand(agency_owner, client_for, workspace):
    brand_agency(workspace.agency)
    html = client_for(agency_owner).get(f"/agency/{workspace.agency.slug}/members/").content.decode()
    assert "· Acme Growth</title>" in html and "Pulse KPI" not in html


def test_a_client_of_one_agency_sees_its_brand_on_the_workspace_list(workspace, make_user, client_for):
    brand_agency(workspace.agency)
    viewer = make_user(workspace, role="viewer")
    # Two workspaces of the agency: with one, the person lands on it instead of the list.
    WorkspaceMembershipFactory(workspace=WorkspaceFactory(agency=workspace.agency, slug="second"), user=viewer)
    html = client_for(viewer).get("/").content.decode()
    assert "· Acme Growth</title>" in html and "Pulse KPI" not in html


# Emails --------------------------------------------------------------------------------------------


def test_an_invitation_goes_out_under_the_agency_brand(
    agency_owner, client_for, workspace, django_capture_on_commit_callbacks
):
    brand_agency(workspace.agency)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(agency_owner).post(
            f"/w/{workspace.slug}/members/", {"email": "cfo@client.example", "role": "viewer"}
        )
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.from_email == "Acme Growth reports <no-reply@localhost>"
    assert message.reply_to == ["hello@acme-growth.example"]
    sent = message.message()
    assert sent["Reply-To"] == "hello@acme-growth.example" and "Acme Growth reports" in sent["From"]
    assert "on Acme Growth" in message.subject and "on Acme Growth, as viewer" in message.body
    assert "Pulse KPI" not in message.subject + message.body


def test_an_invitation_of_an_unbranded_agency_is_the_product_s(
    agency_owner, client_for, workspace, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client_for(agency_owner).post(f"/w/{workspace.slug}/members/", {"email": "x@client.example", "role": "viewer"})
    (message,) = mail.outbox
    assert message.from_email == "Pulse KPI <no-reply@localhost>" and message.reply_to == []
    assert "on Pulse KPI" in message.body


def test_an_invitation_links_to_the_agency_host(
    agency_owner, client_for, workspace, django_capture_on_commit_callbacks
):
    brand_agency(workspace.agency, custom_host=HOST)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(agency_owner).post(f"/w/{workspace.slug}/members/", {"email": "y@client.example", "role": "viewer"})
    assert f"http://{HOST}/invitations/" in mail.outbox[0].body


def test_a_password_reset_of_a_client_goes_out_under_its_agency_brand(workspace, make_user):
    brand_agency(workspace.agency)
    viewer = make_user(workspace, role="viewer")
    assert Client().post("/password-reset/", {"email": viewer.email}).status_code == 302
    (message,) = mail.outbox
    assert message.from_email == "Acme Growth reports <no-reply@localhost>"
    assert message.reply_to == ["hello@acme-growth.example"]
    assert message.subject == "Reset your Acme Growth password" and "Pulse KPI" not in message.body


def test_a_password_reset_on_the_agency_host_is_branded_and_links_there(workspace, other_workspace):
    brand_agency(workspace.agency, custom_host=HOST)
    # Someone of two agencies: on the product's host the product's brand, on the agency's host the agency's.
    person = UserFactory()
    WorkspaceMembershipFactory(workspace=workspace, user=person)
    WorkspaceMembershipFactory(workspace=other_workspace, user=person)
    Client().post("/password-reset/", {"email": person.email})
    Client(HTTP_HOST=HOST).post("/password-reset/", {"email": person.email})
    product, branded = mail.outbox
    assert product.subject == "Reset your Pulse KPI password"
    assert branded.subject == "Reset your Acme Growth password" and f"://{HOST}/reset/" in branded.body


# The agency's own host name ------------------------------------------------------------------------


def test_host_names_are_validated_normalised_and_unique(agency_owner, client_for, workspace, other_workspace):
    client = client_for(agency_owner)
    for bad in ("https://reports.acme.example/", "reports", "reports.acme.example:8443", "10.0.0.1", "-x.example"):
        response = post_brand(client, workspace.agency, custom_host=bad)
        assert response.status_code == 400, bad
        assert "is not a host name" in " ".join(response.context["form"].errors["custom_host"]), bad
    assert post_brand(client, workspace.agency, custom_host="Reports.Acme-Agency.Example.").status_code == 302
    assert Agency.objects.get(pk=workspace.agency.pk).custom_host == HOST
    other = AgencyMembershipFactory(agency=other_workspace.agency, role=AgencyRole.OWNER).user
    response = post_brand(client_for(other), other_workspace.agency, custom_host=HOST)
    assert response.status_code == 400
    assert "Another agency uses this host name already." in response.context["form"].errors["custom_host"]


def test_a_host_not_in_allowed_hosts_is_saved_with_a_warning(agency_owner, client_for, workspace):
    response = post_brand(client_for(agency_owner), workspace.agency, custom_host="kpi.elsewhere.example")
    page = client_for(agency_owner).get(response["Location"]).content.decode()
    assert "must add it to ALLOWED_HOSTS" in page
    assert Client(HTTP_HOST="kpi.elsewhere.example").get("/login/").status_code == 400  # Django refuses the host


def test_the_login_page_on_the_agency_host_shows_only_its_brand(workspace):
    brand_agency(workspace.agency, custom_host=HOST)
    html = Client(HTTP_HOST=HOST).get("/login/").content.decode()
    assert "<title>Log in · Acme Growth</title>" in html
    assert "Pulse KPI" not in html and "Sign up" not in html
    product = Client().get("/login/").content.decode()
    assert "Log in · Pulse KPI" in product and "Sign up" in product


def test_the_agency_host_404s_another_agency_s_workspace_and_agency_pages(workspace, other_workspace, client_for):
    brand_agency(workspace.agency, custom_host=HOST)
    # A person with access to both agencies: the host decides what exists.
    person = UserFactory()
    AgencyMembershipFactory(agency=workspace.agency, user=person, role=AgencyRole.OWNER)
    AgencyMembershipFactory(agency=other_workspace.agency, user=person, role=AgencyRole.OWNER)
    on_host = client_for(person)
    on_host.defaults["HTTP_HOST"] = HOST
    assert on_host.get(f"/w/{workspace.slug}/").status_code == 200
    assert on_host.get(f"/w/{other_workspace.slug}/").status_code == 404
    assert on_host.get(f"/agency/{other_workspace.agency.slug}/members/").status_code == 404
    assert on_host.post(f"/agency/{other_workspace.agency.slug}/brand/", GOOD).status_code == 404
    home = on_host.get("/").content.decode()
    assert workspace.name in home and other_workspace.name not in home and "Pulse KPI" not in home
    # On the product's host both are there.
    product = client_for(person)
    assert product.get(f"/w/{other_workspace.slug}/").status_code == 200
    assert other_workspace.name in product.get("/").content.decode()


def test_a_changed_host_takes_effect_at_once(workspace):
    brand_agency(workspace.agency, custom_host=HOST)
    assert "Acme Growth" in Client(HTTP_HOST=HOST).get("/login/").content.decode()  # now cached
    workspace.agency.brand_name = "Acme Renamed"
    workspace.agency.save()
    assert "Log in · Acme Renamed" in Client(HTTP_HOST=HOST).get("/login/").content.decode()
    workspace.agency.custom_host = None
    workspace.agency.save()
    assert "Log in · Pulse KPI" in Client(HTTP_HOST=HOST).get("/login/").content.decode()


# Tenancy -------------------------------------------------------------------------------------------


def test_another_agency_cannot_see_or_edit_the_brand(workspace, other_client, client_for):
    brand_agency(workspace.agency)
    url = f"/agency/{workspace.agency.slug}/brand/"
    assert other_client.get(url).status_code == 404
    assert other_client.post(url, {**GOOD, "brand_name": "Hijacked"}).status_code == 404
    assert Agency.objects.get(pk=workspace.agency.pk).brand_name == "Acme Growth"
    member = AgencyMembershipFactory(agency=workspace.agency, role=AgencyRole.MEMBER).user
    assert client_for(member).post(url, {**GOOD, "brand_name": "Member"}).status_code == 403
    assert Agency.objects.get(pk=workspace.agency.pk).brand_name == "Acme Growth"


def test_another_agency_cannot_change_a_workspace_logo(workspace, other_client):
    response = other_client.post(f"/w/{workspace.slug}/settings/logo/", {"logo": upload(png_bytes((20, 20)))})
    assert response.status_code == 404
    workspace.refresh_from_db()
    assert not workspace.brand_logo


def test_only_logos_are_served_under_media(workspace, settings, tmp_path):
    default_storage.save("reports/private.png", io.BytesIO(png_bytes((4, 4))))
    assert Client().get("/media/reports/private.png").status_code == 404
    assert Client().get("/media/brand/missing.png").status_code == 404


def test_a_workspace_of_another_agency_is_unaffected_by_this_brand(workspace, other_workspace, other_client):
    brand_agency(workspace.agency)
    html = other_client.get(f"/w/{other_workspace.slug}/").content.decode()
    assert "Acme Growth" not in html and "· Pulse KPI</title>" in html


def test_brand_for_workspace_interface(workspace):
    from accounts.branding import PRODUCT_BRAND, brand_for_agency, brand_for_workspace

    assert brand_for_workspace(None) is PRODUCT_BRAND and brand_for_agency(workspace.agency) is PRODUCT_BRAND
    brand_agency(workspace.agency, custom_host=HOST)
    brand = brand_for_workspace(workspace)
    assert (brand.name, brand.primary_colour, brand.accent_colour) == ("Acme Growth", "#1f4e99", "#8a3ffc")
    assert brand.base_url == f"http://{HOST}" and not brand.is_product
    sibling = WorkspaceFactory(agency=workspace.agency)
    assert brand_for_workspace(sibling) == brand
    sibling.brand_logo = "brand/abc.png"
    own = brand_for_workspace(sibling)
    assert (own.logo_file, own.logo_url, own.logo_absolute_url) == (
        "brand/abc.png",
        "/media/brand/abc.png",
        f"http://{HOST}/media/brand/abc.png",
    )


def test_the_invitation_page_shows_the_brand_of_the_email(
    agency_owner, client_for, workspace, other_workspace, django_capture_on_commit_callbacks, settings
):
    brand_agency(workspace.agency)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(agency_owner).post(
            f"/w/{workspace.slug}/members/", {"email": "new@client.example", "role": "viewer"}
        )
    path = re.search(r"https?://[^/]+(/invitations/\S+/)", mail.outbox[0].body).group(1)
    html = Client().get(path).content.decode()
    assert "· Acme Growth</title>" in html and "Pulse KPI" not in html
    # On another agency's own host the invitation does not exist.
    other_workspace.agency.custom_host = "kpi.globex.example"
    other_workspace.agency.save()
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "kpi.globex.example"]
    assert Client(HTTP_HOST="kpi.globex.example").get(path).status_code == 404


def test_on_the_agency_host_no_sign_up_and_new_workspaces_are_its_own(workspace, other_workspace, client_for):
    brand_agency(workspace.agency, custom_host=HOST)
    assert Client(HTTP_HOST=HOST).get("/signup/").status_code == 404
    assert Client().get("/signup/").status_code == 200
    person = UserFactory()
    AgencyMembershipFactory(agency=workspace.agency, user=person, role=AgencyRole.OWNER)
    AgencyMembershipFactory(agency=other_workspace.agency, user=person, role=AgencyRole.OWNER)
    on_host = client_for(person)
    on_host.defaults["HTTP_HOST"] = HOST
    # Asking for the other agency on this host still creates the workspace in this host's agency.
    response = on_host.post(
        "/workspaces/new/",
        {"name": "Initech", "currency": "USD", "time_zone": "UTC", "agency": str(other_workspace.agency.pk)},
    )
    assert response.status_code == 302
    assert workspace.agency.workspaces.filter(name="Initech").exists()
    assert not other_workspace.agency.workspaces.filter(name="Initech").exists()
