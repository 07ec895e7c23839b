"""The outcome KPIs a client reports beside maturity: one table for the API, the pages, the services and the PDF."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OutcomeKpi:
    key: str  # the Outcome model's field
    label: str
    unit: str  # "%" or "months"
    maximum: float  # every KPI runs from 0
    lower_is_better: bool = False

    @property
    def allowed(self) -> str:
        """What a value must be, as the error message says it."""
        if self.unit == "%":
            return f"a percentage from 0 to {self.maximum:g}"
        return f"a number of {self.unit} from 0 to {self.maximum:g}"


OUTCOME_KPIS: tuple[OutcomeKpi, ...] = (
    OutcomeKpi("win_rate", "Win rate of forecast deals", "%", 100),
    OutcomeKpi("reps_at_quota", "Reps at quota", "%", 100),
    OutcomeKpi("forecast_accuracy", "Forecast accuracy", "%", 100),
    OutcomeKpi("ramp_months", "Average ramp time", "months", 60, lower_is_better=True),
    OutcomeKpi("attrition", "Sales attrition", "%", 100, lower_is_better=True),
)
OUTCOMES = {kpi.key: kpi for kpi in OUTCOME_KPIS}
