"""L5: spec -> Plan, with every semantic check. Pure: no files, network, environment or clock."""

from tradeplan.compiler.pipeline import CompileResult, compile_source, compile_spec

__all__ = ["CompileResult", "compile_source", "compile_spec"]
