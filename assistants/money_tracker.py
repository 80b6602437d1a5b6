"""MoneyTracker: personal-finance advice. The prompt builders are pure, so the chat runtime and a
hand-built assistant (legacy use) send the model exactly the same text."""

from collections.abc import Mapping, Sequence

from assistants.base_assistant import BaseAssistant
from assistants.prompts import MONEYTRACKER_SYSTEM_PROMPT


def _money(value: float) -> str:
    return f"${value:,.2f}"


def _expenses(expenses: float | Mapping[str, float]) -> str:
    if isinstance(expenses, Mapping):
        total = sum(expenses.values())
        items = ", ".join(f"{k}: {_money(v)}" for k, v in expenses.items())
        return f"{_money(total)} ({items})"
    return _money(expenses)


def budget_message(*, monthly_income: float, monthly_expenses: float | Mapping[str, float],
                   financial_goals: Sequence[str], current_savings: float = 0, debt_amount: float = 0,
                   age: int | None = None) -> str:
    lines = ["Please give me budget advice.", f"- Monthly income: {_money(monthly_income)}",
             f"- Monthly expenses: {_expenses(monthly_expenses)}",
             f"- Current savings: {_money(current_savings)}", f"- Debt: {_money(debt_amount)}"]
    if age is not None:
        lines.append(f"- Age: {age}")
    if financial_goals:
        lines.append("- Goals: " + "; ".join(financial_goals))
    lines.append("Suggest a monthly budget split, what to cut first, and an emergency-fund target.")
    return "\n".join(lines)


def saving_plan_message(*, goal_description: str, goal_amount: float, timeframe_months: int,
                        monthly_income: float | None = None, current_savings: float = 0) -> str:
    needed = max(goal_amount - current_savings, 0)
    lines = [f"Please make a saving plan to reach: {goal_description}.",
             f"- Target: {_money(goal_amount)} in {timeframe_months} months",
             f"- Already saved: {_money(current_savings)} (still needed: {_money(needed)}, "
             f"{_money(needed / timeframe_months)} per month)"]
    if monthly_income is not None:
        lines.append(f"- Monthly income: {_money(monthly_income)}")
    lines.append("Give monthly milestones and what to do if I fall behind.")
    return "\n".join(lines)


def investment_message(*, investment_amount: float, risk_tolerance: str, time_horizon_years: int,
                       age: int | None = None, investment_goals: Sequence[str] = ()) -> str:
    lines = ["Please give me general investment guidance.", f"- Amount to invest: {_money(investment_amount)}",
             f"- Risk tolerance: {risk_tolerance}", f"- Time horizon: {time_horizon_years} years"]
    if age is not None:
        lines.append(f"- Age: {age}")
    if investment_goals:
        lines.append("- Goals: " + "; ".join(investment_goals))
    lines.append("Suggest an asset allocation with reasons and the main risks.")
    return "\n".join(lines)


class MoneyTracker(BaseAssistant):
    default_system_prompt = MONEYTRACKER_SYSTEM_PROMPT

    async def get_budget_advice(self, **details: object) -> str:
        return await self.chat(budget_message(**details))  # type: ignore[arg-type]

    async def get_saving_plan(self, **details: object) -> str:
        return await self.chat(saving_plan_message(**details))  # type: ignore[arg-type]

    async def get_investment_advice(self, **details: object) -> str:
        return await self.chat(investment_message(**details))  # type: ignore[arg-type]
