"""Quiz mode: the learner types the selected entry's value; feedback and the score."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Static


class AnswerBox(Input):
    """The answer box. A pasted line break submits, as Enter would (Input keeps only the
    first line of a paste and drops the break: a pasted "0.29⏎" was never checked)."""

    def paste(self, text: str) -> None:
        first, newline, _ = text.replace("\r\n", "\n").partition("\n")
        self.insert_text_at_cursor(first.strip())
        if newline:
            self.post_message(self.Submitted(self, self.value))

    def _on_paste(self, event) -> None:
        if event.text:
            self.paste(event.text)
        event.stop()


class QuizBar(Vertical):
    """Prompt, answer box and feedback. The screen does the checking."""

    BINDINGS = [Binding("escape", "leave", "Back to the result", show=False, id="quiz.leave")]

    def compose(self) -> ComposeResult:
        with Horizontal(id="quiz-line"):
            yield Label("", id="quiz-prompt")
            # select_on_focus off: the first digit typed on the result (which moves the focus
            # here) must not be selected, and replaced, by the next one
            yield AnswerBox(placeholder="type a number, Enter", id="quiz-input", compact=True,
                            select_on_focus=False)
        yield Static("", id="quiz-feedback")

    def on_mount(self) -> None:
        self.prompt = self.query_one("#quiz-prompt", Label)
        self.feedback = self.query_one("#quiz-feedback", Static)

    def ask(self, prompt: str) -> None:
        self.prompt.update(prompt)

    def tell(self, feedback, style: str = "") -> None:
        widget = self.feedback
        widget.update(feedback or "Quiz: select an entry (arrows), type its value, Enter. "
                      "h (or ? in the answer box): hint. r: reveal. R: reset the score. t: quiz off.")
        widget.set_classes(style)

    def action_leave(self) -> None:
        from stepcalc.tui.widgets.slide import SlideView

        self.screen.query_one(SlideView).focus()
