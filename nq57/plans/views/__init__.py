"""Plan pages, one module per page family; urls.py imports from here."""

from .assignments import AssignmentView
from .inbox import MyWorkView
from .product_types import ProductTypeListView
from .plans import PlanCreateView, PlanListView, PlanOverviewView, TaskCreateView
from .scorecard import ScorecardView
from .tasks import TaskDetailView, TaskExportView, TaskListView

__all__ = ["AssignmentView", "MyWorkView", "PlanCreateView", "PlanListView", "PlanOverviewView", "ScorecardView",
           "TaskCreateView", "TaskDetailView", "TaskExportView", "TaskListView"]
