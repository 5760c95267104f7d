import django.db.models.deletion
from django.db import migrations, models


def reset_state(apps, schema_editor):
    """The rollups were rebuilt empty: make the next recompute a full one."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SELECT set_config('app.rls_bypass', 'on', true)")  # forced row-level security
    schema_editor.execute("UPDATE kpis_kpistate SET settings_fingerprint = ''")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("campaigns", "0003_touchpoint_session_index"),
        ("kpis", "0002_target"),
    ]

    operations = [
        migrations.DeleteModel(name="AccountEngagementDay"),
        migrations.DeleteModel(name="DailyComponents"),
        migrations.DeleteModel(name="VisitorDay"),
        migrations.DeleteModel(name="WebSession"),
        migrations.CreateModel(
            name='AccountDay',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField()),
                ('touches', models.IntegerField()),
                ('decayed_weight', models.FloatField()),
                ('account', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='campaigns.account')),
                ('workspace', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.workspace')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('workspace', 'day', 'account'), name='kpis_accountday_key')],
            },
        ),
        migrations.CreateModel(
            name='AccountFacts',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('first_touch_at', models.DateTimeField()),
                ('first_won_at', models.DateTimeField()),
                ('first_won_on', models.DateField()),
                ('is_target', models.BooleanField()),
                ('account', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='kpi_facts', to='campaigns.account')),
                ('first_won_campaign', models.ForeignKey(db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='campaigns.campaign')),
                ('first_won_deal', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='campaigns.deal')),
                ('workspace', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.workspace')),
            ],
            options={
                'verbose_name_plural': 'account facts',
                'indexes': [models.Index(fields=['workspace', 'first_won_on'], name='kpis_accountfacts_won')],
                'constraints': [models.UniqueConstraint(fields=('workspace', 'account'), name='kpis_accountfacts_key')],
            },
        ),
        migrations.CreateModel(
            name='DailyComponents',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('spend', models.DecimalField(decimal_places=2, default=0, max_digits=18)),
                ('impressions', models.BigIntegerField(default=0)),
                ('clicks', models.BigIntegerField(default=0)),
                ('leads', models.IntegerField(default=0)),
                ('mqls', models.IntegerField(default=0)),
                ('sqls', models.IntegerField(default=0)),
                ('sqos', models.IntegerField(default=0)),
                ('cohort_mqls', models.IntegerField(default=0)),
                ('cohort_sqls', models.IntegerField(default=0)),
                ('cohort_sqos', models.IntegerField(default=0)),
                ('cohort_customers', models.IntegerField(default=0)),
                ('deals_created', models.IntegerField(default=0)),
                ('deals_won', models.IntegerField(default=0)),
                ('deals_lost', models.IntegerField(default=0)),
                ('deals_closed_out', models.IntegerField(default=0)),
                ('won_revenue', models.DecimalField(decimal_places=2, default=0, max_digits=18)),
                ('new_mrr', models.DecimalField(decimal_places=2, default=0, max_digits=18)),
                ('churned_mrr', models.DecimalField(decimal_places=2, default=0, max_digits=18)),
                ('emails_sent', models.IntegerField(default=0)),
                ('email_bounces', models.IntegerField(default=0)),
                ('email_spam', models.IntegerField(default=0)),
                ('email_unsubscribes', models.IntegerField(default=0)),
                ('page_views', models.IntegerField(default=0)),
                ('content_downloads', models.IntegerField(default=0)),
                ('social_engagements', models.IntegerField(default=0)),
                ('social_channel_engagements', models.IntegerField(default=0)),
                ('social_channel_impressions', models.BigIntegerField(default=0)),
                ('sessions', models.IntegerField(default=0)),
                ('single_page_sessions', models.IntegerField(default=0)),
                ('session_page_views', models.IntegerField(default=0)),
                ('day', models.DateField()),
                ('campaign', models.ForeignKey(db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='campaigns.campaign')),
                ('workspace', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.workspace')),
            ],
            options={
                'verbose_name_plural': 'daily components',
                'indexes': [models.Index(fields=['workspace', 'day', 'campaign'], name='kpis_components_day'), models.Index(fields=['workspace', 'campaign', 'day'], name='kpis_components_campaign')],
            },
        ),
        migrations.CreateModel(
            name='VisitorDay',
            fields=[
                ('pk', models.CompositePrimaryKey('workspace', 'visitor_id', 'day', blank=True, editable=False, primary_key=True, serialize=False)),
                ('visitor_id', models.CharField(max_length=255)),
                ('day', models.DateField()),
                ('previous_day', models.DateField(null=True)),
                ('workspace', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.workspace')),
            ],
            options={
                'indexes': [models.Index(fields=['workspace', 'day', 'previous_day'], name='kpis_visitorday_day')],
            },
        ),
        migrations.CreateModel(
            name='WebSession',
            fields=[
                ('pk', models.CompositePrimaryKey('workspace', 'session_id', blank=True, editable=False, primary_key=True, serialize=False)),
                ('session_id', models.CharField(max_length=255)),
                ('first_day', models.DateField()),
                ('page_views', models.IntegerField()),
                ('campaign', models.ForeignKey(db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='campaigns.campaign')),
                ('workspace', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.workspace')),
            ],
            options={
                'indexes': [models.Index(fields=['workspace', 'first_day'], name='kpis_websession_day')],
            },
        ),
        migrations.CreateModel(
            name='WorkspaceDay',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('spend', models.DecimalField(decimal_places=2, default=0, max_digits=18)),
                ('impressions', models.BigIntegerField(default=0)),
                ('clicks', models.BigIntegerField(default=0)),
                ('leads', models.IntegerField(default=0)),
                ('mqls', models.IntegerField(default=0)),
                ('sqls', models.IntegerField(default=0)),
                ('sqos', models.IntegerField(default=0)),
                ('cohort_mqls', models.IntegerField(default=0)),
                ('cohort_sqls', models.IntegerField(default=0)),
                ('cohort_sqos', models.IntegerField(default=0)),
                ('cohort_customers', models.IntegerField(default=0)),
                ('deals_created', models.IntegerField(default=0)),
                ('deals_won', models.IntegerField(default=0)),
                ('deals_lost', models.IntegerField(default=0)),
                ('deals_closed_out', models.IntegerField(default=0)),
                ('won_revenue', models.DecimalField(decimal_places=2, default=0, max_digits=18)),
                ('new_mrr', models.DecimalField(decimal_places=2, default=0, max_digits=18)),
                ('churned_mrr', models.DecimalField(decimal_places=2, default=0, max_digits=18)),
                ('emails_sent', models.IntegerField(default=0)),
                ('email_bounces', models.IntegerField(default=0)),
                ('email_spam', models.IntegerField(default=0)),
                ('email_unsubscribes', models.IntegerField(default=0)),
                ('page_views', models.IntegerField(default=0)),
                ('content_downloads', models.IntegerField(default=0)),
                ('social_engagements', models.IntegerField(default=0)),
                ('social_channel_engagements', models.IntegerField(default=0)),
                ('social_channel_impressions', models.BigIntegerField(default=0)),
                ('sessions', models.IntegerField(default=0)),
                ('single_page_sessions', models.IntegerField(default=0)),
                ('session_page_views', models.IntegerField(default=0)),
                ('day', models.DateField()),
                ('workspace', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.workspace')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('workspace', 'day'), name='kpis_workspaceday_key')],
            },
        ),
        migrations.RunPython(reset_state, migrations.RunPython.noop),
    ]
