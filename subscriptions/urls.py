from django.urls import path

from subscriptions import views

urlpatterns = [
    path("catalogue/", views.CatalogueView.as_view(), name="catalogue"),
    path("catalogue/sync/", views.CatalogueSyncView.as_view(), name="catalogue_sync"),
    path("learners/<int:pk>/subscriptions/", views.LearnerSubscriptionsView.as_view(), name="learner_subscriptions"),
    path("learners/<int:pk>/subscriptions/refresh/", views.LearnerSubscriptionsRefreshView.as_view(),
         name="learner_subscriptions_refresh"),
    path("subscriptions/", views.SubscriptionListView.as_view(), name="subscription_list"),
    path("subscriptions/export.csv", views.SubscriptionExportView.as_view(), name="subscription_export"),
    path("subscriptions/new/", views.SubscribeView.as_view(), name="subscribe"),
    path("subscriptions/<int:pk>/", views.SubscriptionResultsView.as_view(), name="subscription_results"),
    path("subscriptions/<int:pk>/refresh/", views.SubscriptionRefreshView.as_view(), name="subscription_refresh"),
    path("subscriptions/<int:pk>/change/", views.SubscriptionChangeView.as_view(), name="subscription_change"),
    path("subscriptions/<int:pk>/unsubscribe/", views.SubscriptionUnsubscribeView.as_view(),
         name="subscription_unsubscribe"),
    path("subscriptions/<int:pk>/score/", views.SubscriptionScoreView.as_view(), name="subscription_score"),
    path("groups/", views.GroupListView.as_view(), name="group_list"),
    path("groups/new/", views.GroupFormView.as_view(), name="group_create"),
    path("groups/<int:pk>/", views.GroupFormView.as_view(), name="group_edit"),
    path("groups/<int:pk>/sync/", views.GroupSyncView.as_view(), name="group_sync"),
    path("webhooks/anewspring/", views.AnewspringWebhookView.as_view(), name="anewspring_webhook"),
]
