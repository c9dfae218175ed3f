"""The MiMo simulator: a real HTTP server speaking MiMo's OpenAI-compatible API."""

from tests.sim.plan import Plan, RecordedRequest
from tests.sim.server import Simulator

__all__ = ["Plan", "RecordedRequest", "Simulator"]
