"""What an administrator does in the panel, step by step, for the end-to-end tests (and the
screenshot script)."""

from typing import Any

from playwright.sync_api import expect


def nav(page: Any, name: str) -> None:
    """Follow a link of the main navigation (present on every page)."""
    link = page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True)
    href = link.get_attribute("href")
    link.click()
    page.wait_for_url(f"**{href}")


def create_application(page: Any, name: str, description: str = "") -> int:
    nav(page, "Applications")
    page.get_by_role("link", name="New application").click()
    page.get_by_label("Name", exact=True).fill(name)
    if description:
        page.get_by_label("Description").fill(description)
    page.get_by_role("button", name="Create application").click()
    expect(page.get_by_role("status")).to_contain_text(f"Application '{name}' created.")
    return int(page.url.rstrip("/").rsplit("/", 1)[1])


def choose_model(page: Any, provider: str, model: str) -> None:
    """Pick the provider; the model list follows it (htmx), then pick the model by its id."""
    page.get_by_label("Provider", exact=True).select_option(label=provider)
    option = page.locator("#f-model_id option", has_text=f"({model})")
    expect(option).to_have_count(1)
    page.get_by_label("Model", exact=True).select_option(value=option.get_attribute("value"))


def create_assistant(page: Any, application_id: int, name: str, system_prompt: str, *,
                     provider: str = "OpenAI", model: str = "gpt-4o-mini", streaming: bool = True) -> int:
    page.goto(f"/panel/applications/{application_id}")
    page.get_by_role("link", name="New assistant").click()
    page.get_by_label("Name", exact=True).fill(name)
    choose_model(page, provider, model)
    page.get_by_label("System prompt").fill(system_prompt)
    if streaming:
        page.get_by_label("Streaming answers").check()
    page.get_by_label("Temperature").fill("0.4")
    page.get_by_role("button", name="Create assistant").click()
    expect(page.get_by_role("status")).to_contain_text(f"Assistant '{name}' created.")
    return int(page.url.rstrip("/").rsplit("/", 1)[1])


def open_playground(page: Any, application: str, assistant: str) -> None:
    nav(page, "Playground")
    page.get_by_label("Application").select_option(label=application)
    expect(page.get_by_label("Assistant")).not_to_have_attribute("aria-busy", "true")
    option = page.locator("#pg-assistant option", has_text=assistant)
    expect(option).to_have_count(1)
    page.get_by_label("Assistant").select_option(value=option.get_attribute("value"))


def send(page: Any, message: str) -> Any:
    """Send a message; returns the locator of the answer it starts."""
    page.get_by_label("Message").fill(message)
    page.get_by_role("button", name="Send").click()
    answer = page.locator(".turn.assistant").last
    expect(answer.locator(".meta")).to_be_visible()
    return answer
