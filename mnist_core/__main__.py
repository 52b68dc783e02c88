"""``python -m mnist_core``: the command-line trainer (``cli.py``), and two subcommands for one's
own digits: ``evaluate`` (``digits/cli.py``, NumPy only) and ``finetune`` (``cli.py``)."""

import sys


def main(argv: list[str]) -> int:
    if argv[:1] == ["evaluate"]:
        from mnist_core.digits.cli import main as evaluate

        return evaluate(argv[1:])
    from mnist_core.cli import finetune_main
    from mnist_core.cli import main as train

    return finetune_main(argv[1:]) if argv[:1] == ["finetune"] else train(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
