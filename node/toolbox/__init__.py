"""Impact-measurement toolbox (BO): stateless calculators shared by the node API and the domain.

Pure Python plus statsmodels, so every method can be checked against published worked examples.
"""
