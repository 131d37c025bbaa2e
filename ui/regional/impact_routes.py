"""The route handlers of the impact toolbox's pages and of the spreadsheet import, as one list
for the regional app's router."""

from __future__ import annotations

from ui.regional import (
    impact,
    impact_beneficiaries,
    impact_grids,
    impact_sroi,
    impact_studies,
    impact_theory,
    imports,
)

HANDLERS = (
    impact.impact_home,
    impact.catalogue,
    impact_theory.theory_page,
    impact_theory.save_theory,
    impact_beneficiaries.beneficiaries,
    impact_beneficiaries.register,
    impact_beneficiaries.survey_page,
    impact_beneficiaries.record_survey,
    impact_grids.grid_list,
    impact_grids.new_grid,
    impact_grids.publish,
    impact_grids.grid_page,
    impact_grids.score,
    impact_grids.revise,
    impact_grids.rescore,
    impact_sroi.sroi_page,
    impact_sroi.calculate,
    impact_studies.study_list,
    impact_studies.register,
    impact_studies.study_page,
    impact_studies.change_status,
    impact_studies.estimate,
    imports.import_page,
    imports.template,
    imports.upload,
    imports.job_page,
    imports.confirm,
)
