"""django-allauth's social-account adapter, for one thing: every HTTP request its OAuth2
client makes (identity uses it for the code exchange) goes through the outbound guard."""

from allauth.socialaccount.adapter import DefaultSocialAccountAdapter

from identity.outbound import GuardedSession


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def get_requests_session(self):
        return GuardedSession()
