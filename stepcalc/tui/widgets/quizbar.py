"""Quiz mode: the learner types the selected entry's value; feedback and the score."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Static


class QuizBar(Vertical):
    """Prompt, answer box and feedback. The screen does the checking."""

    BINDINGS = [Binding("escape", "leave", "Back to the result", show=False, id="quiz.leave")]

    def compose(self) -> ComposeResult:
        with Horizontal(id="quiz-line"):
            yield Label("", id="quiz-prompt")
            yield Input(placeholder="type a number, Enter", id="quiz-input", compact=True)
        yield Static("", id="quiz-feedback")

    def on_mount(self) -> None:
        self.prompt = self.query_one("#quiz-prompt", Label)
        self.feedback = self.query_one("#quiz-feedback", Static)

    def ask(self, prompt: str) -> None:
        self.prompt.update(prompt)

    def tell(self, feedback, style: str = "") -> None:
        widget = self.feedback
        widget.update(feedback or "Quiz: select an entry (arrows), type its value, Enter. "
                      "h (or ? in the answer box): hint. t: quiz off.")
        widget.set_classes(style)

    def action_leave(self) -> None:
        from stepcalc.tui.widgets.slide import SlideView

        self.screen.query_one(SlideView).focus()
