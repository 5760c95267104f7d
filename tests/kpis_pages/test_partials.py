"""The partials the dashboard repeats (KPI cards, the campaign picker) render what the page is about."""

from __future__ import annotations

import re
from collections import Counter

from accounts.tenancy import workspace_scope
from campaigns.models import Campaign


def test_campaign_picker_lists_every_campaign_once_escaped_and_marks_the_chosen_one(seeded, member_client):
    with workspace_scope(seeded):
        Campaign.objects.create(external_id='q1 "launch"', name="Q1 <Launch> & more", channel="email")
        names = list(Campaign.objects.order_by("name").values_list("name", flat=True))
    html = member_client.get("/w/acme/?campaign=q1+%22launch%22").content.decode()
    picker = html[
        html.index('<select id="range-campaign"') : html.index("</select>", html.index('id="range-campaign"'))
    ]
    options = re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', picker)
    assert [label for _value, _selected, label in options[1:]] == [
        name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") for name in names
    ]
    assert [value for value, selected, _label in options if selected] == ["q1 &quot;launch&quot;"]
    assert "Q1 &lt;Launch&gt; &amp; more" in picker


def test_every_card_is_labelled_by_a_heading_of_its_own(seeded, member_client):
    html = member_client.get("/w/acme/").content.decode()
    ids = Counter(re.findall(r' id="([^"]+)"', html))
    assert [name for name, count in ids.items() if count > 1] == []
    described = re.findall(r'<p class="kpi-value" aria-describedby="([^"]+)">', html)
    assert len(described) == html.count('<article class="kpi-card')
    assert all(ids[heading] == 1 for heading in described)
    # The same KPI in the headline and in a section (the second: Funnel, after Trends): two cards, two headings.
    assert "kpi-leads" in ids and "kpi-leads2" in ids


def cards_of(html: str) -> dict[str, str]:
    """Each KPI card's inner HTML, by KPI (the panel's card when the headline has the KPI too)."""
    return dict(
        re.findall(r'<article class="kpi-card[^"]*" data-kpi="(\w+)" data-value="[^"]*">(.*?)</article>', html, re.S)
    )


def test_a_card_links_to_its_records_only_when_there_are_some(seeded, member_client):
    cards = cards_of(member_client.get("/w/acme/?range=last_90").content.decode())
    assert (
        'href="/w/acme/records/leads/?range=last_90&amp;grain=week' in cards["leads"]
        and "See the records" in cards["leads"]
    )
    assert "<dt>Spend</dt>" in cards["cpl"] and "<dt>Leads</dt>" in cards["cpl"]  # the formula's components
    assert "records" not in cards["cpl"]  # no list behind a ratio
    empty = cards_of(member_client.get("/w/acme/?range=custom&from=2001-01-01&to=2001-01-31").content.decode())
    assert "records" not in empty["leads"]  # 0 leads: nothing to list
