"""The regional node: event-sourced domain, application, projections and API."""
