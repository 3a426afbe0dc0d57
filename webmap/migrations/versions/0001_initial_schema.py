"""initial schema: directory and reference geodata

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-22 06:28:36.572582
"""
from alembic import op
import geoalchemy2
import sqlalchemy as sa
from geoalchemy2 import Geometry

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The bootstrap script creates the extensions as a superuser; IF NOT EXISTS keeps this a no-op then.
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_geospatial_table('admin_area',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=8), nullable=False),
    sa.Column('pcode', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('name_ocha', sa.String(length=120), nullable=True),
    sa.Column('name_key', sa.String(length=120), nullable=False),
    sa.Column('parent_pcode', sa.String(length=16), nullable=True),
    sa.Column('district_pcode', sa.String(length=16), nullable=True),
    sa.Column('population_2014', sa.Integer(), nullable=True),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admin_area')),
    sa.UniqueConstraint('level', 'pcode', name='uq_admin_area_level_pcode')
    )
    op.create_geospatial_index('idx_admin_area_geom', 'admin_area', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index(op.f('ix_admin_area_level'), 'admin_area', ['level'], unique=False)
    op.create_index('ix_admin_area_name_key_trgm', 'admin_area', ['name_key'], unique=False, postgresql_using='gin', postgresql_ops={'name_key': 'gin_trgm_ops'})
    op.create_index(op.f('ix_admin_area_parent_pcode'), 'admin_area', ['parent_pcode'], unique=False)
    op.create_table('organization',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=250), nullable=False),
    sa.Column('alternate_name', sa.String(length=250), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('email', sa.String(length=250), nullable=True),
    sa.Column('website', sa.String(length=500), nullable=True),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organization'))
    )
    op.create_geospatial_table('place',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_key', sa.String(length=200), nullable=False),
    sa.Column('alternate_names', sa.Text(), nullable=True),
    sa.Column('alternate_key', sa.Text(), nullable=True),
    sa.Column('population', sa.Integer(), nullable=True),
    sa.Column('adm3_pcode', sa.String(length=16), nullable=True),
    sa.Column('adm2_pcode', sa.String(length=16), nullable=True),
    sa.Column('adm1_pcode', sa.String(length=16), nullable=True),
    sa.Column('district_pcode', sa.String(length=16), nullable=True),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_place'))
    )
    op.create_geospatial_index('idx_place_geom', 'place', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index(op.f('ix_place_adm2_pcode'), 'place', ['adm2_pcode'], unique=False)
    op.create_index('ix_place_alternate_key_trgm', 'place', ['alternate_key'], unique=False, postgresql_using='gin', postgresql_ops={'alternate_key': 'gin_trgm_ops'})
    op.create_index(op.f('ix_place_name_key'), 'place', ['name_key'], unique=False)
    op.create_index('ix_place_name_key_trgm', 'place', ['name_key'], unique=False, postgresql_using='gin', postgresql_ops={'name_key': 'gin_trgm_ops'})
    op.create_table('reference_dataset',
    sa.Column('layer', sa.String(length=60), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('features', sa.Integer(), nullable=False),
    sa.Column('loaded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('layer', name=op.f('pk_reference_dataset'))
    )
    op.create_geospatial_table('location',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=True),
    sa.Column('name', sa.String(length=250), nullable=True),
    sa.Column('address', sa.Text(), nullable=True),
    sa.Column('town', sa.String(length=200), nullable=True),
    sa.Column('place_id', sa.Integer(), nullable=True),
    sa.Column('adm3_pcode', sa.String(length=16), nullable=True),
    sa.Column('adm2_pcode', sa.String(length=16), nullable=True),
    sa.Column('adm1_pcode', sa.String(length=16), nullable=True),
    sa.Column('precision', sa.String(length=12), nullable=False),
    sa.Column('confidential', sa.Boolean(), nullable=False),
    sa.Column('public_contact', sa.Text(), nullable=True),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("precision IN ('exact', 'approximate', 'town')", name=op.f('ck_location_precision')),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_location_organization_id_organization')),
    sa.ForeignKeyConstraint(['place_id'], ['place.id'], name=op.f('fk_location_place_id_place')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_location'))
    )
    op.create_geospatial_index('idx_location_geom', 'location', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index(op.f('ix_location_adm1_pcode'), 'location', ['adm1_pcode'], unique=False)
    op.create_index(op.f('ix_location_adm2_pcode'), 'location', ['adm2_pcode'], unique=False)
    op.create_index(op.f('ix_location_organization_id'), 'location', ['organization_id'], unique=False)
    op.create_table('service',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=250), nullable=False),
    sa.Column('name_key', sa.String(length=250), nullable=False),
    sa.Column('alternate_name', sa.String(length=250), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('needs', sa.ARRAY(sa.String(length=32)), nullable=False),
    sa.Column('minimum_age', sa.Integer(), nullable=True),
    sa.Column('maximum_age', sa.Integer(), nullable=True),
    sa.Column('sexes', sa.String(length=8), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('capacity_updated', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('verification', sa.String(length=12), nullable=False),
    sa.Column('assured_date', sa.Date(), nullable=True),
    sa.Column('email', sa.String(length=250), nullable=True),
    sa.Column('url', sa.String(length=500), nullable=True),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("category IN ('social_centre', 'reception_transit', 'chpm', 'reintegration', 'private_care', 'ngo', 'police', 'labour_inspectorate', 'justice', 'health', 'helpline', 'coordination')", name=op.f('ck_service_category')),
    sa.CheckConstraint("needs <@ ARRAY['shelter', 'psychosocial', 'medical', 'legal', 'family_tracing', 'reintegration', 'case_management', 'reporting']::varchar[]", name=op.f('ck_service_needs')),
    sa.CheckConstraint("sexes IS NULL OR sexes IN ('all', 'female', 'male')", name=op.f('ck_service_sexes')),
    sa.CheckConstraint("status IN ('active', 'inactive', 'planned')", name=op.f('ck_service_status')),
    sa.CheckConstraint("verification IN ('to_verify', 'verified')", name=op.f('ck_service_verification')),
    sa.CheckConstraint('capacity IS NULL OR capacity >= 0', name=op.f('ck_service_capacity')),
    sa.CheckConstraint('minimum_age IS NULL OR maximum_age IS NULL OR minimum_age <= maximum_age', name=op.f('ck_service_age_range')),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_service_organization_id_organization')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service'))
    )
    op.create_index(op.f('ix_service_category'), 'service', ['category'], unique=False)
    op.create_index(op.f('ix_service_name_key'), 'service', ['name_key'], unique=False)
    op.create_index(op.f('ix_service_organization_id'), 'service', ['organization_id'], unique=False)
    op.create_table('phone',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=True),
    sa.Column('service_id', sa.Uuid(), nullable=True),
    sa.Column('location_id', sa.Uuid(), nullable=True),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('extension', sa.String(length=20), nullable=True),
    sa.Column('type', sa.String(length=20), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['location_id'], ['location.id'], name=op.f('fk_phone_location_id_location'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_phone_organization_id_organization')),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_phone_service_id_service'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_phone'))
    )
    op.create_index(op.f('ix_phone_location_id'), 'phone', ['location_id'], unique=False)
    op.create_index(op.f('ix_phone_service_id'), 'phone', ['service_id'], unique=False)
    op.create_table('service_at_location',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('service_id', sa.Uuid(), nullable=False),
    sa.Column('location_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['location_id'], ['location.id'], name=op.f('fk_service_at_location_location_id_location'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_service_at_location_service_id_service'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_at_location')),
    sa.UniqueConstraint('service_id', 'location_id', name='uq_service_at_location')
    )
    op.create_index(op.f('ix_service_at_location_location_id'), 'service_at_location', ['location_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_service_at_location_location_id'), table_name='service_at_location')
    op.drop_table('service_at_location')
    op.drop_index(op.f('ix_phone_service_id'), table_name='phone')
    op.drop_index(op.f('ix_phone_location_id'), table_name='phone')
    op.drop_table('phone')
    op.drop_index(op.f('ix_service_organization_id'), table_name='service')
    op.drop_index(op.f('ix_service_name_key'), table_name='service')
    op.drop_index(op.f('ix_service_category'), table_name='service')
    op.drop_table('service')
    op.drop_index(op.f('ix_location_organization_id'), table_name='location')
    op.drop_index(op.f('ix_location_adm2_pcode'), table_name='location')
    op.drop_index(op.f('ix_location_adm1_pcode'), table_name='location')
    op.drop_geospatial_index('idx_location_geom', table_name='location', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('location')
    op.drop_table('reference_dataset')
    op.drop_index('ix_place_name_key_trgm', table_name='place', postgresql_using='gin', postgresql_ops={'name_key': 'gin_trgm_ops'})
    op.drop_index(op.f('ix_place_name_key'), table_name='place')
    op.drop_index('ix_place_alternate_key_trgm', table_name='place', postgresql_using='gin', postgresql_ops={'alternate_key': 'gin_trgm_ops'})
    op.drop_index(op.f('ix_place_adm2_pcode'), table_name='place')
    op.drop_geospatial_index('idx_place_geom', table_name='place', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('place')
    op.drop_table('organization')
    op.drop_index(op.f('ix_admin_area_parent_pcode'), table_name='admin_area')
    op.drop_index('ix_admin_area_name_key_trgm', table_name='admin_area', postgresql_using='gin', postgresql_ops={'name_key': 'gin_trgm_ops'})
    op.drop_index(op.f('ix_admin_area_level'), table_name='admin_area')
    op.drop_geospatial_index('idx_admin_area_geom', table_name='admin_area', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('admin_area')
