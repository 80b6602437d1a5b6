"""Request bodies of the /suncar and /moneytracker routers: the user's details, validated."""

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from models.application import clean_text
from models.chat import ConversationId

Money = float
# Everything here ends up in the stored conversation: no NUL (PostgreSQL refuses it), no lone surrogates.
Text = Annotated[str, AfterValidator(clean_text)]
_MAX_MONEY = 1e12


def _latest_model_year() -> int:
    return datetime.now(UTC).year + 1


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")
    stream: bool | None = Field(default=None, description="default: the assistant's is_streaming")
    conversation_id: ConversationId | None = None


class BudgetAdviceRequest(_Strict):
    monthly_income: Money = Field(ge=0, le=_MAX_MONEY)
    monthly_expenses: Money | dict[Text, Money] = Field(description="a total, or amounts per category")
    financial_goals: list[Text] = Field(default_factory=list, max_length=20)
    current_savings: Money = Field(default=0, ge=0, le=_MAX_MONEY)
    debt_amount: Money = Field(default=0, ge=0, le=_MAX_MONEY)
    age: int | None = Field(default=None, ge=14, le=120)

    @field_validator("monthly_expenses")
    @classmethod
    def _non_negative(cls, v: Money | dict[str, Money]) -> Money | dict[str, Money]:
        values = v.values() if isinstance(v, dict) else [v]
        if any(x < 0 or x > _MAX_MONEY for x in values):
            raise ValueError("expenses must be between 0 and 1e12")
        if isinstance(v, dict) and len(v) > 50:
            raise ValueError("at most 50 expense categories")
        return v


class SavingPlanRequest(_Strict):
    goal_description: Text = Field(min_length=1, max_length=500)
    goal_amount: Money = Field(gt=0, le=_MAX_MONEY)
    timeframe_months: int = Field(ge=1, le=600)
    monthly_income: Money | None = Field(default=None, ge=0, le=_MAX_MONEY)
    current_savings: Money = Field(default=0, ge=0, le=_MAX_MONEY)


class InvestmentAdviceRequest(_Strict):
    investment_amount: Money = Field(gt=0, le=_MAX_MONEY)
    risk_tolerance: Literal["low", "medium", "high"]
    time_horizon_years: int = Field(ge=1, le=80)
    age: int | None = Field(default=None, ge=14, le=120)
    investment_goals: list[Text] = Field(default_factory=list, max_length=20)


class VehicleProfile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    vehicle_make: Text | None = Field(default=None, min_length=1, max_length=60)
    vehicle_model: Text | None = Field(default=None, min_length=1, max_length=60)
    year: int | None = Field(default=None, ge=1886)
    current_mileage: int | None = Field(default=None, ge=0, le=5_000_000)
    fuel_type: Literal["gasoline", "diesel", "hybrid", "electric", "lpg", "other"] | None = None

    @field_validator("year")
    @classmethod
    def _plausible_year(cls, v: int | None) -> int | None:
        if v is not None and v > _latest_model_year():
            raise ValueError(f"year must be {_latest_model_year()} or earlier")
        return v


class MaintenanceScheduleRequest(VehicleProfile, _Strict):
    driving_conditions: Text | None = Field(default=None, max_length=500)


class DiagnoseProblemRequest(VehicleProfile, _Strict):
    symptoms: Text = Field(min_length=1, max_length=5000)
    warning_lights: list[Text] = Field(default_factory=list, max_length=20)


class FuelEfficiencyRequest(VehicleProfile, _Strict):
    pass


class SpecialisedChatRequest(_Strict):
    message: Text = Field(min_length=1, max_length=200_000)


class AssistantInfo(BaseModel):
    name: str
    description: str | None
    application: str
    provider: str
    model: str
    is_streaming: bool
    capabilities: list[str]
    endpoints: list[str]
