{
    'name': 'Needs a missing module',
    'version': '1.0',
    'depends': ['web', 'flipdeck_does_not_exist'],
}
