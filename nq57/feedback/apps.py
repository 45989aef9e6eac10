from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "nq57.feedback"
    label = "feedback"
    verbose_name = "Feedback and initiatives"
