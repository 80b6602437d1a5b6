"""In a real browser: an administrator creates an application and an assistant on a provider
pointed at a fake upstream, chats in the playground with a streamed answer, then changes the
system prompt and sees the next answer change."""

from typing import Any

from playwright.sync_api import expect

from tests.conftest import unique
from tests.e2e import flows

# Records every length the answer's text goes through, to see it grow while it streams.
WATCH_ANSWER = """() => {
  window.__answerLengths = [];
  const log = document.getElementById('pg-transcript');
  new MutationObserver(() => {
    const answers = log.querySelectorAll('.turn.assistant .text');
    if (answers.length) { window.__answerLengths.push(answers[answers.length - 1].textContent.length); }
  }).observe(log, {childList: true, subtree: true, characterData: true});
}"""


def test_playground_answer_streams_in_and_shows_provider_model_usage_latency(admin_page: Any,
                                                                             openai_on_fake: str) -> None:
    page = admin_page
    app_name = unique("Support")
    app_id = flows.create_application(page, app_name, "Customer support")
    assistant = unique("Helper")
    flows.create_assistant(page, app_id, assistant, "You are terse.")
    flows.open_playground(page, app_name, assistant)
    page.evaluate(WATCH_ANSWER)
    answer = flows.send(page, "where is my parcel")
    expect(answer.locator(".text")).to_have_text("[You are terse.] echo: where is my parcel")
    meta = answer.locator(".meta")
    expect(meta).to_contain_text("openai / gpt-4o-mini")
    expect(meta).to_contain_text("total")
    expect(meta).to_contain_text("latency:")
    lengths = page.evaluate("window.__answerLengths")
    partial = [n for n in lengths if 0 < n < len("[You are terse.] echo: where is my parcel")]
    assert len(set(partial)) >= 2, f"the answer did not appear piece by piece: {lengths}"


def test_conversation_continues_and_can_start_over(admin_page: Any, openai_on_fake: str) -> None:
    page = admin_page
    app_name = unique("Chat")
    app_id = flows.create_application(page, app_name)
    assistant = unique("Talker")
    flows.create_assistant(page, app_id, assistant, "Keep it short.")
    flows.open_playground(page, app_name, assistant)
    flows.send(page, "first")
    conversation = page.locator("#pg-conversation").input_value()
    assert conversation
    flows.send(page, "second")
    assert page.locator("#pg-conversation").input_value() == conversation
    expect(page.locator(".turn.assistant")).to_have_count(2)
    page.get_by_role("button", name="New conversation").click()
    expect(page.locator(".turn")).to_have_count(0)
    assert page.locator("#pg-conversation").input_value() == ""


def test_editing_the_system_prompt_changes_the_next_answer(admin_page: Any, openai_on_fake: str) -> None:
    page = admin_page
    app_name = unique("Pirates")
    app_id = flows.create_application(page, app_name)
    assistant = unique("Captain")
    assistant_id = flows.create_assistant(page, app_id, assistant, "You are polite.")
    flows.open_playground(page, app_name, assistant)
    expect(flows.send(page, "ahoy").locator(".text")).to_have_text("[You are polite.] echo: ahoy")

    page.goto(f"/panel/assistants/{assistant_id}")
    page.get_by_label("System prompt").fill("You are a pirate.")
    page.get_by_role("button", name="Save assistant").click()
    expect(page.get_by_role("status")).to_contain_text(f"Assistant '{assistant}' saved.")

    flows.open_playground(page, app_name, assistant)
    expect(flows.send(page, "ahoy").locator(".text")).to_have_text("[You are a pirate.] echo: ahoy")
