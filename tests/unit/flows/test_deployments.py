"""`bullseye serve` serves exactly what prefect.yaml declares (what `bullseye deploy` applies)."""

from flows.deployments import declared, runner_deployments


def test_served_deployments_carry_prefect_yaml_names_schedules_and_parameters():
    specs, served = declared(), runner_deployments()
    assert len(served) == len(specs) == 8
    for spec, deployment in zip(specs, served, strict=True):
        assert deployment.name == spec["name"]
        assert deployment.entrypoint.endswith(spec["entrypoint"].split(":")[1])
        assert deployment.parameters == (spec.get("parameters") or {})
        schedules = [(s.schedule.cron, s.schedule.timezone) for s in deployment.schedules]
        assert schedules == [(s["cron"], s["timezone"]) for s in spec.get("schedules", [])]
    # daily refresh, scoring and monitoring; weekly recommendations, lifetime value, training
    assert sum(bool(d.schedules) for d in served) == 6
