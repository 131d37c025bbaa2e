"""The regional node's pages: dashboard, alliance, structures, initiatives, trainings, coverage."""
