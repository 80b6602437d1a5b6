from fastapi import APIRouter
from fastapi.responses import Response

from assistants import money_tracker
from models.chat import ChatResponse
from models.common import error_responses
from models.specialised import (
    AssistantInfo,
    BudgetAdviceRequest,
    InvestmentAdviceRequest,
    SavingPlanRequest,
    SpecialisedChatRequest,
)
from routers.chat import CHAT_ERRORS, answer
from routers.deps import ChatServiceDep, CurrentCaller
from routers.sse import STREAM_RESPONSE_DOC
from services import specialised_service
from services.auth_service import Caller
from services.chat_service import ChatService

router = APIRouter(prefix="/moneytracker", tags=["moneytracker"])
RESPONSES = {**CHAT_ERRORS, **STREAM_RESPONSE_DOC}
_SLUG = "moneytracker"


async def _ask(service: ChatService, caller: Caller, message: str, stream: bool | None,
               conversation_id: str | None) -> ChatResponse | Response:
    prepared = await specialised_service.prepare(service, caller, _SLUG, message, stream=stream,
                                                 conversation_id=conversation_id)
    return await answer(service, prepared)


@router.post("/chat", response_model=ChatResponse, responses=RESPONSES)
async def chat(body: SpecialisedChatRequest, service: ChatServiceDep, caller: CurrentCaller) -> ChatResponse | Response:
    return await _ask(service, caller, body.message, body.stream, body.conversation_id)


@router.get("/info", response_model=AssistantInfo, responses=error_responses(401, 403, 404))
async def info(service: ChatServiceDep, caller: CurrentCaller) -> AssistantInfo:
    a = await specialised_service.find(service, caller, _SLUG, _SLUG)
    return AssistantInfo(name=a.name, description=a.description, application="MoneyTracker",
                         provider=a.provider.name, model=a.model_name, is_streaming=a.is_streaming,
                         capabilities=["budget advice", "saving plans", "investment advice", "free chat"],
                         endpoints=[f"/moneytracker/{p}" for p in
                                    ("chat", "budget-advice", "saving-plan", "investment-advice")])


@router.post("/budget-advice", response_model=ChatResponse, responses=RESPONSES)
async def budget_advice(body: BudgetAdviceRequest, service: ChatServiceDep,
                        caller: CurrentCaller) -> ChatResponse | Response:
    message = money_tracker.budget_message(
        monthly_income=body.monthly_income, monthly_expenses=body.monthly_expenses,
        financial_goals=body.financial_goals, current_savings=body.current_savings,
        debt_amount=body.debt_amount, age=body.age)
    return await _ask(service, caller, message, body.stream, body.conversation_id)


@router.post("/saving-plan", response_model=ChatResponse, responses=RESPONSES)
async def saving_plan(body: SavingPlanRequest, service: ChatServiceDep,
                      caller: CurrentCaller) -> ChatResponse | Response:
    message = money_tracker.saving_plan_message(
        goal_description=body.goal_description, goal_amount=body.goal_amount,
        timeframe_months=body.timeframe_months, monthly_income=body.monthly_income,
        current_savings=body.current_savings)
    return await _ask(service, caller, message, body.stream, body.conversation_id)


@router.post("/investment-advice", response_model=ChatResponse, responses=RESPONSES)
async def investment_advice(body: InvestmentAdviceRequest, service: ChatServiceDep,
                            caller: CurrentCaller) -> ChatResponse | Response:
    message = money_tracker.investment_message(
        investment_amount=body.investment_amount, risk_tolerance=body.risk_tolerance,
        time_horizon_years=body.time_horizon_years, age=body.age, investment_goals=body.investment_goals)
    return await _ask(service, caller, message, body.stream, body.conversation_id)
