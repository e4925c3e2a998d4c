"""`python -m sscsim`: run one scenario (or a sweep with `-m`) through Hydra; `--help` says how."""

from sscsim.cli import main

if __name__ == "__main__":
    main()
