"""`stepcalc new train --random …`: the command's side of the exercise generator
(options → Recipe, where the files go); the drawing itself is `stepcalc.exercises`."""

from __future__ import annotations

import sys
from pathlib import Path

from stepcalc.errors import StepcalcError
from stepcalc.files import EXIT_OK, write_atomically

LOSSES = ("cross_entropy", "binary_cross_entropy", "squared_error", "half_squared_error",
          "absolute_error", "hinge")
MAX_VARIANTS = 1000


def recipe_from(args):
    from stepcalc.exercises import HIDDEN_ACTIVATIONS, Recipe, parse_layers

    if args.kind != "train":
        raise StepcalcError("new --random: exercises are train scenarios (stepcalc new train --random)")
    if args.activation not in HIDDEN_ACTIVATIONS:
        raise StepcalcError(f"--activation: expected one of {', '.join(HIDDEN_ACTIVATIONS)}, "
                            f"got {args.activation!r}")
    if args.loss not in LOSSES:
        raise StepcalcError(f"--loss: expected one of {', '.join(LOSSES)}, got {args.loss!r}")
    layers = parse_layers(args.layers)
    if args.loss == "binary_cross_entropy" and layers[-1] != 1:
        raise StepcalcError("--layers: binary_cross_entropy needs one output unit (like 2-2-1)")
    if args.loss in ("cross_entropy", "hinge") and layers[-1] < 2:
        raise StepcalcError(f"--layers: {args.loss} needs at least 2 output units (like 2-2-3)")
    if not 1 <= args.samples <= 8:
        raise StepcalcError(f"--samples: expected 1–8 (an exercise is done by hand), got {args.samples}")
    if args.dead_unit and (args.activation != "relu" or len(layers) < 3):
        raise StepcalcError("--dead-unit: needs --activation relu and a hidden layer")
    return Recipe(layers=layers, activation=args.activation, loss=args.loss,
                  decimals=args.precision, samples=args.samples, dead_unit=args.dead_unit)


def write_exercises(args) -> int:
    from stepcalc.exercises import exercise, variants

    recipe = recipe_from(args)
    if args.variants is None:
        text = exercise(recipe, args.seed, args.variant).to_toml()
        if args.output:
            _write(Path(args.output), text, args.force)
        else:
            sys.stdout.write(text)
        return EXIT_OK
    if not 1 <= args.variants <= MAX_VARIANTS:
        raise StepcalcError(f"--variants: expected 1–{MAX_VARIANTS}, got {args.variants}")
    if not args.output:
        raise StepcalcError("--variants: give the folder to write them into with -o DIR")
    folder = Path(args.output)
    if folder.exists() and not folder.is_dir():
        raise StepcalcError(f"{folder}: exists and is not a folder")
    folder.mkdir(parents=True, exist_ok=True)
    width = len(str(args.variants))
    paths = [folder / f"exercise_{args.seed}_{k + 1:0{width}d}.toml" for k in range(args.variants)]
    if not args.force:
        taken = [p for p in paths if p.exists()]
        if taken:
            raise StepcalcError(f"{taken[0]}: exists; use --force to overwrite")
    for path, scenario in zip(paths, variants(recipe, args.seed, args.variants)):
        write_atomically(path, scenario.to_toml())
    print(f"wrote {args.variants} exercises to {folder}", file=sys.stderr)
    return EXIT_OK


def _write(path: Path, text: str, force: bool) -> None:
    if path.exists() and not force:
        raise StepcalcError(f"{path}: exists; use --force to overwrite")
    if path.is_dir():
        raise StepcalcError(f"{path}: is a directory; expected a file to write")
    write_atomically(path, text)
    print(f"wrote {path}", file=sys.stderr)
