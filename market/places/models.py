from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.extensions import db


class City(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)  # administrative division code
    province: Mapped[str] = mapped_column(String(40))

    districts = relationship("District", back_populates="city", order_by="District.id")


class District(db.Model):
    """A 区 or a county-level city (县级市): the level that owns most purchasing budgets."""

    __table_args__ = (UniqueConstraint("city_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("city.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    code: Mapped[str] = mapped_column(String(12), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # district | county_city

    city = relationship("City", back_populates="districts")
    streets = relationship("Street", back_populates="district", order_by="Street.id")


class Street(db.Model):
    """A 街道 or a town (镇): the level of the street office."""

    __table_args__ = (UniqueConstraint("district_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))  # street | town

    district = relationship("District", back_populates="streets")
    communities = relationship("Community", back_populates="street", order_by="Community.id")


class Community(db.Model):
    """A 社区 (urban) or 村 (village): where residents live and needs start."""

    __table_args__ = (UniqueConstraint("street_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("street.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))  # community | village
    households: Mapped[int] = mapped_column(default=0)

    street = relationship("Street", back_populates="communities")

    @property
    def full_name(self) -> str:
        return f"{self.street.district.name} {self.street.name} {self.name}"


class Grid(db.Model):
    """A 片区 (三级网格) of a community, with a grid leader (网格长) who sums up its buildings' problems."""

    __table_args__ = (UniqueConstraint("community_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))

    community = relationship("Community")
    buildings = relationship("Building", back_populates="grid", order_by="Building.id")


class Building(db.Model):
    """A 楼栋 of a grid, with a building leader (楼栋长) who meets its residents."""

    __table_args__ = (UniqueConstraint("grid_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    address: Mapped[str] = mapped_column(String(120), default="")

    grid = relationship("Grid", back_populates="buildings")


class Department(db.Model):
    """A government body that buys services (购买主体): a district bureau or a street office."""

    __table_args__ = (UniqueConstraint("district_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id"), index=True)
    street_id: Mapped[int | None] = mapped_column(ForeignKey("street.id"), index=True)

    district = relationship("District")
    street = relationship("Street")
