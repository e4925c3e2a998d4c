"""The processes of a step, one module each, in the order of docs/ODD.md:

1. `budgets`: northern ODA, Southern SSC funds, platform trust funds, bilateral ODA
2. `requests`: offers and requests
3. `matching`: partner choice and funding (kernel), then the actions start
4. `events`: platform events
5. `diffusion`: knowledge diffusion (kernel) and adoption of practices
6. `domestic`: capacity, agency capacity and growth
7. `ties_and_platforms`: tie decay, platform health, coordinator rotation
8. `eligibility`: income groups, vulnerability, ODA eligibility and portfolios (yearly)
9. data collection: `sscsim.reporters`

and `initialisation`, the state before the first step.

Each step is a plain function of the state (`sscsim.state`) and the parameters it needs; its
rules are array functions beside it, each with a docstring of units and shapes.
"""
