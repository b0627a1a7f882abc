"""Typed factory_boy factories shared by the whole suite."""

import factory
from allauth.account.models import EmailAddress

from accounts.models import User

DEFAULT_PASSWORD = "a-strong-test-password-42"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"therapist{n}@example.com")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def verified(obj: User, create: bool, extracted: bool | None, **kwargs) -> None:
        """Mark the e-mail verified (as allauth would after sign-up) unless told not to."""
        if create and extracted is not False:
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)
        if create:
            obj.save()
