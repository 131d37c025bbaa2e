"""The impact-measurement toolbox (BO) as recorded facts: theories of change, measurements,
living-conditions surveys, funder grids and the applications they score, policy studies."""
