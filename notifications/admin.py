from django.contrib import admin

from notifications.models import AnomalyRule, CustomRule, Delivery, Recipient, Webhook


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("id", "org", "job", "reason", "channel", "recipient", "status", "attempts")
    list_filter = ("status", "channel", "reason")
    search_fields = ("recipient", "subject")
    readonly_fields = ("org", "job", "created_at", "sent_at")


@admin.register(Recipient)
class RecipientAdmin(admin.ModelAdmin):
    list_display = ("email", "org", "created_at")
    search_fields = ("email",)


@admin.register(CustomRule)
class CustomRuleAdmin(admin.ModelAdmin):
    list_display = ("__str__", "org")


@admin.register(AnomalyRule)
class AnomalyRuleAdmin(admin.ModelAdmin):
    list_display = ("__str__", "org")


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    list_display = ("org", "url")
