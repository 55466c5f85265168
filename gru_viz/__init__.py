"""gru_viz: watch and poke the gates of a Gated Recurrent Unit."""

from gru_viz.core import GRUTrace, GRUWeights, StepTerms, explain_step, run_gru, sigmoid

__all__ = ["GRUTrace", "GRUWeights", "StepTerms", "explain_step", "run_gru", "sigmoid"]
