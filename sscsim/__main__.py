"""`python -m sscsim`: run one scenario (or a sweep with `-m`) through Hydra."""

from sscsim.cli import main

if __name__ == "__main__":
    main()
