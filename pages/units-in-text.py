"""Units in real text: a character-level GRU reads Python source; find the units that follow its structure."""

import platform

import streamlit as st

from gru_viz import unit_words as words
from gru_viz.charmodel import SHIPPED, CharModel, predict
from gru_viz.safe_text import literal
from gru_viz.text import FEATURES, held_out_corpus, machine_name, passages
from gru_viz.text_figures import SHOWN, ranking_figure, view_data
from gru_viz.units import (THRESHOLD, analyse, clamp_span, hypothesis_in_passage, match_profile, parse_pick,
                           ranking)
from pages._ui import URL, link_settings, show_link_notices
from pages._units_ui import retrain_panel, text_view

P = "tx"
RETRAIN_STEPS = [250, 500, 1000, 2000, 3000]


@st.cache_resource(show_spinner=False)
def shipped() -> CharModel:
    return CharModel.from_file(SHIPPED)


@st.cache_resource(max_entries=3, show_spinner="The NumPy GRU is reading the held-out text…")
def analysis(digest: str, held_digest: str, _model: CharModel):
    """The model's trace, features and correlations on this machine's held-out text (read-only, shared)."""
    return analyse(_model, held_out_corpus().text)


def best_unit() -> None:
    """A newly chosen feature shows its best unit."""
    s = st.session_state
    s[f"{P}_unit"] = s[f"{P}__analysis"].best_unit(s[f"{P}_feature"])


def picked(key: str) -> None:
    """A click in the text picks a character; a drag selects a span (both relative to the passage)."""
    state = st.session_state[key]
    pick = parse_pick(state.get("picked") if hasattr(state, "get") else None, st.session_state[f"{P}__longest"])
    if pick is not None:
        st.session_state[f"{P}_char" if pick[0] == "cursor" else f"{P}_span"] = pick[1]


@st.cache_resource(max_entries=16, show_spinner=False)
def ranking_chart(digest: str, held_digest: str, feature: str, _a):
    return ranking_figure(_a.r_trained[feature], _a.r_untrained[feature], _a.r_shifted[feature], feature)


st.title("Units in real text")
link = link_settings(P)  # before the widgets correct it
notices = st.container()
try:
    held = held_out_corpus()
    model = st.session_state.get(f"{P}__model") or shipped()
except ValueError as exc:
    st.error(f"This page cannot start: {literal(exc, 200)}")
    st.stop()
for notice in held.notices:
    st.warning(notice, icon=":material/warning:")
a = st.session_state[f"{P}__analysis"] = analysis(model.digest, held.digest, model)
bounds = passages(held.text)
longest = st.session_state[f"{P}__longest"] = max(e - s for s, e in bounds)
st.markdown("Karpathy, Johnson and Fei-Fei (2015) found single units of networks trained on text that switch on "
            "inside quotes or count how deep the brackets go. Here a GRU learned to predict the next character of "
            "Python code. Pick a feature of the code to find the unit that follows it best, or select a span of "
            "the text to find the units that are on just there.")
st.caption(words.model_sentence(model.metadata, a.bits_per_char, len(held.text), platform.python_version()) + " "
           + words.parity_sentence(model.metadata) + f" Held-out files: {', '.join(held.files)}.")

left, right = st.columns(2)
feature = left.selectbox("feature of the text", list(FEATURES), key=f"{P}_feature", on_change=best_unit, **URL)
left.caption(f"{feature}: {FEATURES[feature]}.")
unit = right.number_input("unit", 0, model.hidden_size - 1, value=a.best_unit(list(FEATURES)[0]), key=f"{P}_unit",
                          **URL)
shown = right.radio("colour the text by", list(SHOWN), captions=[v[0].split(", ")[1] for v in SHOWN.values()],
                    horizontal=True, key=f"{P}_show", **URL)  # no format_func: a link then says tx_show=r
best, r = a.best_unit(feature), a.r_trained[feature]
st.info(words.chance_sentence(feature, r[best], best, a.r_untrained[feature], a.r_shifted[feature]),
        icon=":material/query_stats:")
st.caption(f"Unit {unit}: r = {words.signed(r[unit])} with {feature}. The strongest units: "
           + ", ".join(f"{j} ({words.signed(r[j])})" for j in ranking(r)[:5]) + ".")

number = st.slider("passage of the held-out text", 1, len(bounds), key=f"{P}_passage", **URL)
start, end = bounds[number - 1]
view = st.container()  # drawn last, once every control below has its value
c1, c2 = st.columns(2)
char = min(c1.slider("chosen character (in this passage)", 0, longest - 1, key=f"{P}_char", **URL), end - start - 1)
span = clamp_span(c2.slider("selected span (in this passage)", 0, longest, value=a.example, key=f"{P}_span", **URL),
                  end - start)  # the example lies in the first passage

st.subheader("What comes next?")
t = start + char
guess = predict(model, a.h[t], held.text[t + 1] if t + 1 < len(held.text) else None)
st.text(words.prediction_sentence(held.text[max(t - 29, 0):t + 1], list(guess.top), guess.actual, guess.p_actual,
                                  guess.rank))
st.dataframe({"next character": [words.char_label(c) for c, _ in guess.top],
              "probability": [f"{100 * p:.1f}%" for _, p in guess.top]}, hide_index=True)

st.subheader("Test a hypothesis: select a span")
threshold = st.slider("threshold: a unit is on when |h| is above", 0.0, 0.95, value=THRESHOLD, step=0.05,
                      key=f"{P}_threshold", **URL)
hyp, in_view = hypothesis_in_passage(a.h, (start, end), span, threshold)
st.text("Selected: " + words.visible(held.text[start + span[0]:start + span[1]], 80))
st.text(words.hypothesis_sentence(hyp.units, hyp.signs, threshold, hyp.margin, hyp.matches,
                                  (start + span[0], start + span[1])))
matched = sum(e - s for s, e in hyp.matches)
if matched:
    st.text(words.profile_sentence(match_profile(hyp.matches, a.features), matched))
others = [(s, e) for s, e in hyp.matches if not (s < start + span[1] and start + span[0] < e)][:50]
if others:
    st.dataframe({"line": [held.text.count("\n", 0, s) + 1 for s, _ in others],
                  "text where they are all on": [words.visible(held.text[s:e], 70) for s, e in others]},
                 hide_index=True)

st.subheader("Units against chance")
st.caption(f"How strongly each unit follows {feature}, strongest first, against the best unit of untrained networks "
           "and against the trained units compared with the feature shifted in time. The table: every feature's best "
           "unit, its r, and the same two chance levels (best |r|).")
st.plotly_chart(ranking_chart(model.digest, held.digest, feature, a), theme=None,
                key=f"{P}x_ranking", alt=f"Every unit's |r| with {feature}, against chance")
st.dataframe({"feature": list(FEATURES), "unit": [a.best_unit(f) for f in FEATURES],
              "r": [words.signed(a.r_trained[f][a.best_unit(f)]) for f in FEATURES],
              "untrained": [f"{a.r_untrained[f].max():.2f}" for f in FEATURES],
              "shifted": [f"{a.r_shifted[f].max():.2f}" for f in FEATURES]}, hide_index=True)

st.subheader("Train it again")
retrain_panel(P, shipped().metadata, RETRAIN_STEPS, machine_name())

show_link_notices(notices, link)

with view:
    values = {"h": a.h, "r": a.r, "u": a.u}[shown][start:end, unit]
    st.caption(f"Unit {unit}, coloured by {SHOWN[shown][0]}. Click a character to see the model's prediction "
               "there (red outline); drag across characters to select a span (orange lines). Green underlines: "
               "every place where the units found for the selected span are all on.")
    text_view(f"{P}x_view", view_data(held.text[start:end], values, shown, char, span, in_view), picked)
