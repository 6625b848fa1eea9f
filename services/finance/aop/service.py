from shared.crud import EntitySpec

from .models import Aop

AOP = EntitySpec(table=Aop, key=("period", "family_group"), label="AOP")
