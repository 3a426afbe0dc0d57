"""accounts, login attempts, change history (HSDS metadata), change proposals, service.assured_by

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 09:00:00
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('app_user',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('email', sa.String(length=250), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('password_hash', sa.String(length=300), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("role IN ('admin', 'editor', 'referral')", name=op.f('ck_app_user_role')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_app_user')),
    sa.UniqueConstraint('email', name=op.f('uq_app_user_email'))
    )
    op.create_table('user_organization',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_user_organization_organization_id_organization'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_user_organization_user_id_app_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'organization_id', name=op.f('pk_user_organization'))
    )
    op.create_index(op.f('ix_user_organization_organization_id'), 'user_organization', ['organization_id'], unique=False)
    op.create_table('login_attempt',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('email', sa.String(length=250), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=False),
    sa.Column('succeeded', sa.Boolean(), nullable=False),
    sa.Column('attempted_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_attempt'))
    )
    op.create_index('ix_login_attempt_email_attempted_at', 'login_attempt', ['email', 'attempted_at'], unique=False)
    op.create_index('ix_login_attempt_ip_attempted_at', 'login_attempt', ['ip', 'attempted_at'], unique=False)
    op.create_table('audit_entry',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('change_id', sa.Uuid(), nullable=False),
    sa.Column('resource_id', sa.String(length=64), nullable=False),
    sa.Column('resource_type', sa.String(length=64), nullable=False),
    sa.Column('parent_id', sa.String(length=64), nullable=True),
    sa.Column('last_action_date', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('last_action_type', sa.String(length=16), nullable=False),
    sa.Column('field_name', sa.String(length=64), nullable=False),
    sa.Column('previous_value', sa.Text(), nullable=True),
    sa.Column('replacement_value', sa.Text(), nullable=True),
    sa.Column('updated_by', sa.String(length=250), nullable=False),
    sa.Column('actor_id', sa.Uuid(), nullable=True),
    sa.Column('reverts_id', sa.BigInteger(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.CheckConstraint("last_action_type IN ('create', 'update', 'delete', 'deactivate', 'reactivate', 'verify', 'revert', 'approve')", name=op.f('ck_audit_entry_action_type')),
    sa.ForeignKeyConstraint(['actor_id'], ['app_user.id'], name=op.f('fk_audit_entry_actor_id_app_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reverts_id'], ['audit_entry.id'], name=op.f('fk_audit_entry_reverts_id_audit_entry'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entry'))
    )
    op.create_index(op.f('ix_audit_entry_change_id'), 'audit_entry', ['change_id'], unique=False)
    op.create_index(op.f('ix_audit_entry_parent_id'), 'audit_entry', ['parent_id'], unique=False)
    op.create_index('ix_audit_entry_resource', 'audit_entry', ['resource_type', 'resource_id'], unique=False)
    op.create_table('change_proposal',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('service_id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('proposed_by', sa.Uuid(), nullable=True),
    sa.Column('decided_by', sa.Uuid(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind IN ('edit', 'deactivate')", name=op.f('ck_change_proposal_kind')),
    sa.CheckConstraint("status IN ('pending', 'approved', 'rejected')", name=op.f('ck_change_proposal_status')),
    sa.ForeignKeyConstraint(['decided_by'], ['app_user.id'], name=op.f('fk_change_proposal_decided_by_app_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_change_proposal_organization_id_organization')),
    sa.ForeignKeyConstraint(['proposed_by'], ['app_user.id'], name=op.f('fk_change_proposal_proposed_by_app_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_change_proposal_service_id_service'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_change_proposal'))
    )
    op.create_index(op.f('ix_change_proposal_organization_id'), 'change_proposal', ['organization_id'], unique=False)
    op.create_index(op.f('ix_change_proposal_service_id'), 'change_proposal', ['service_id'], unique=False)
    op.add_column('service', sa.Column('assured_by', sa.Uuid(), nullable=True))
    op.create_foreign_key(op.f('fk_service_assured_by_app_user'), 'service', 'app_user', ['assured_by'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    op.drop_constraint(op.f('fk_service_assured_by_app_user'), 'service', type_='foreignkey')
    op.drop_column('service', 'assured_by')
    op.drop_index(op.f('ix_change_proposal_service_id'), table_name='change_proposal')
    op.drop_index(op.f('ix_change_proposal_organization_id'), table_name='change_proposal')
    op.drop_table('change_proposal')
    op.drop_index('ix_audit_entry_resource', table_name='audit_entry')
    op.drop_index(op.f('ix_audit_entry_parent_id'), table_name='audit_entry')
    op.drop_index(op.f('ix_audit_entry_change_id'), table_name='audit_entry')
    op.drop_table('audit_entry')
    op.drop_index('ix_login_attempt_ip_attempted_at', table_name='login_attempt')
    op.drop_index('ix_login_attempt_email_attempted_at', table_name='login_attempt')
    op.drop_table('login_attempt')
    op.drop_index(op.f('ix_user_organization_organization_id'), table_name='user_organization')
    op.drop_table('user_organization')
    op.drop_table('app_user')
