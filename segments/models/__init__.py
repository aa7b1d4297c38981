"""What the data is: the shop's customers and orders, imports, runs and their results, exports
and the audit log. One module per area; everything is importable from segments.models.
"""

from segments.models.audit import AuditEvent, AuditQuerySet
from segments.models.exports import ExportRecord
from segments.models.imports import DataImport
from segments.models.runs import (
    Assignment,
    RunQuerySet,
    RunSummary,
    Segment,
    SegmentationRun,
    StrategyNoteRevision,
)
from segments.models.shop import MONEY, ConsentChange, Customer, Order, OrderLine
from segments.models.totals import CustomerTotals

__all__ = [
    "MONEY",
    "Assignment",
    "AuditEvent",
    "AuditQuerySet",
    "ConsentChange",
    "Customer",
    "CustomerTotals",
    "DataImport",
    "ExportRecord",
    "Order",
    "OrderLine",
    "RunQuerySet",
    "RunSummary",
    "Segment",
    "SegmentationRun",
    "StrategyNoteRevision",
]
