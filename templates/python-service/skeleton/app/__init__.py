"""The ${{ values.name }} service (Gantry golden path python-service)."""

SERVICE_NAME = "${{ values.name }}"
VERSION = "0.1.0"
