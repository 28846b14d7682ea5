"""Run this experiment and draw its figures: python experiments/<name>/figure.py [--out DIR]."""

from pathlib import Path

from follisim.experiment_figure import main

if __name__ == "__main__":
    raise SystemExit(main(Path(__file__).resolve().parent))
