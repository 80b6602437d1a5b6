"""Suncar: car maintenance, diagnosis and fuel efficiency. Pure prompt builders plus the class."""

from collections.abc import Mapping, Sequence
from typing import Any

from assistants.base_assistant import BaseAssistant
from assistants.prompts import SUNCAR_SYSTEM_PROMPT


def vehicle_line(vehicle: Mapping[str, Any]) -> str:
    parts = [str(vehicle[k]) for k in ("year", "vehicle_make", "vehicle_model") if vehicle.get(k)]
    text = " ".join(parts) or "unknown vehicle"
    if vehicle.get("current_mileage") is not None:
        text += f", {vehicle['current_mileage']:,} miles"
    if vehicle.get("fuel_type"):
        text += f", {vehicle['fuel_type']}"
    return f"Vehicle: {text}."


def maintenance_message(vehicle: Mapping[str, Any], driving_conditions: str | None = None) -> str:
    lines = ["Please give me a maintenance schedule for the next 12 months and upcoming mileage milestones.",
             vehicle_line(vehicle)]
    if driving_conditions:
        lines.append(f"Driving conditions: {driving_conditions}.")
    return "\n".join(lines)


def diagnosis_message(vehicle: Mapping[str, Any], symptoms: str, warning_lights: Sequence[str] = ()) -> str:
    lines = ["Please help me diagnose a problem.", vehicle_line(vehicle), f"Symptoms: {symptoms}"]
    if warning_lights:
        lines.append("Warning lights on: " + ", ".join(warning_lights))
    lines.append("List likely causes, checks I can do safely, and whether it is safe to drive.")
    return "\n".join(lines)


def fuel_efficiency_message(vehicle: Mapping[str, Any]) -> str:
    return "\n".join(["Please give me fuel efficiency tips specific to my car.", vehicle_line(vehicle)])


def chat_message(message: str, vehicle: Mapping[str, Any] | None) -> str:
    return f"{vehicle_line(vehicle)}\n{message}" if vehicle else message


class Suncar(BaseAssistant):
    default_system_prompt = SUNCAR_SYSTEM_PROMPT

    async def get_maintenance_schedule(self, vehicle: Mapping[str, Any], driving_conditions: str | None = None) -> str:
        return await self.chat(maintenance_message(vehicle, driving_conditions))

    async def diagnose_problem(self, vehicle: Mapping[str, Any], symptoms: str,
                               warning_lights: Sequence[str] = ()) -> str:
        return await self.chat(diagnosis_message(vehicle, symptoms, warning_lights))

    async def get_fuel_efficiency_tips(self, vehicle: Mapping[str, Any]) -> str:
        return await self.chat(fuel_efficiency_message(vehicle))
